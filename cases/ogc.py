"""Cases at /ogc/ (OGC API Features) for signed-in staff: points with category, state and dates, the cases the
user reads anywhere else; no description, address, reporter or contact."""

from django.utils.translation import gettext_lazy as _

from cases import models as m
from ogc.registry import Collection, register


def register_collections():
    register(
        Collection(
            "cases",
            _("Cases"),
            m.Case,
            "location",
            {
                "kind": "kind",
                "category": "category__code",
                "state": "state",
                "created_at": "created_at",
                "community": "community_id",
                "cell": "cell__code",
            },
            datetime="created_at",
            filters=("kind", "category", "state", "community", "cell"),
        )
    )
