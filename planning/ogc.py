"""Renovation zones on public notice at /ogc/ (OGC API Features): the zones of projects whose plan has been
published (方案公示), readable by everyone like the public plan pages; zones still being drawn stay with staff."""

from django.utils.translation import gettext_lazy as _

from ogc.registry import Collection, register
from planning import models as m


def register_collections():
    register(
        Collection(
            "renovation-zones",
            _("Renovation zones on public notice"),
            m.Zone,
            "boundary",
            {"name": "name", "buffer_m": "buffer_m"},
            public=True,
            scoped=False,
            base=lambda: m.Zone.objects.filter(
                pk__in=m.Project.objects.filter(published_on__isnull=False).values("zone")
            ),
        )
    )
