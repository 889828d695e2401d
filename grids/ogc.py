"""Grid layers offered at /ogc/ (OGC API Features): communities and grid cells for everyone; compounds,
buildings and households counted per cell for signed-in staff. Households are never features."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from accounts import policy
from grids import models as m
from ogc.registry import Collection, register


def households_readable(user, cells):
    return cells.filter(pk__in=policy.scope(user, "view", m.Household.objects.all()).values("cell"))


def register_collections():
    register(
        Collection(
            "communities",
            _("Communities"),
            m.Community,
            "boundary",
            {"code": "code", "name": "name", "kind": "kind", "street": "street__name"},
            public=True,
            filters=("code", "kind"),
        )
    )
    register(
        Collection(
            "cells",
            _("Grid cells"),
            m.GridCell,
            "boundary",
            {"code": "code", "name": "name", "community": "community_id", "community_name": "community__name"},
            public=True,
            filters=("code", "community"),
            editable={"name": "name", "community": "community_id"},
            geometry_kind="polygon",
        )
    )
    register(
        Collection(
            "cell-households",
            _("Households per grid cell"),
            m.GridCell,
            "boundary",
            {"code": "code", "name": "name", "households": "households_n", "residents": "residents_n"},
            base=lambda: m.GridCell.objects.annotate(
                households_n=Count("households", filter=Q(households__deleted_at__isnull=True), distinct=True),
                residents_n=Count("households__residents", filter=Q(households__deleted_at__isnull=True)),
            ),
            view_perm="grids.view_household",
            narrow=households_readable,
            filters=("code",),
        )
    )
    register(
        Collection(
            "compounds",
            _("Compounds"),
            m.Compound,
            "boundary",
            {"name": "name", "kind": "kind", "community": "community_id"},
            filters=("kind", "community"),
            editable={"name": "name", "kind": "kind", "community": "community_id"},
            geometry_kind="polygon",
        )
    )
    register(
        Collection(
            "buildings",
            _("Buildings"),
            m.Building,
            "footprint",
            {
                "name": "name",
                "year_built": "year_built",
                "storeys": "storeys",
                "units": "units",
                "compound": "compound_id",
                "community": "community_id",
                "cell": "cell__code",
            },
            filters=("storeys", "year_built", "community", "cell"),
            editable={
                "name": "name",
                "year_built": "year_built",
                "storeys": "storeys",
                "units": "units",
                "compound": "compound_id",
            },
            geometry_kind="polygon",
        )
    )
