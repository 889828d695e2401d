"""Responsibility areas at /ogc/ (OGC API Features) for signed-in staff, with their kind, party and period;
editors change them through Part 4 with the rules of the area editor (full_clean, the area policy)."""

from django.utils.translation import gettext_lazy as _

from ogc.registry import Collection, register
from responsibility import models as m


def register_collections():
    register(
        Collection(
            "responsibility-areas",
            _("Responsibility areas"),
            m.ResponsibilityArea,
            "area",
            {
                "kind": "kind",
                "name": "name",
                "party": "party_id",
                "party_name": "party__name",
                "community": "community_id",
                "start": "start",
                "end": "end",
            },
            filters=("kind", "party", "community"),
            editable={
                "kind": "kind",
                "name": "name",
                "party": "party_id",
                "community": "community_id",
                "start": "start",
                "end": "end",
            },
            geometry_kind="polygon",
        )
    )
