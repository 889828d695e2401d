"""Public facilities at /ogc/ (OGC API Features): one collection per asset family, public types only (cameras and
other non-public types never appear). Editors change and add assets through OGC API Features Part 4 with the
rules of the asset pages (full_clean, the area policy)."""


from assets import models as m
from ogc.registry import Collection, register_source

PROPERTIES = {
    "identifier": "identifier",
    "name": "name",
    "type_id": "type_id",
    "type_code": "type__code",
    "type_name": "type__name",
    "condition": "condition",
    "open_24h": "open_24h",
    "capacity": "capacity",
    "accessible": "accessible",
    "community": "community_id",
}
EDITABLE = {
    "name": "name",
    "type_id": "type_id",
    "condition": "condition",
    "open_24h": "open_24h",
    "capacity": "capacity",
    "accessible": "accessible",
}


def family_collections():
    for family in m.AssetFamily.objects.order_by("code"):
        yield Collection(
            f"facilities-{family.code}",
            family.label,
            m.Asset,
            "geom",
            PROPERTIES,
            public=True,
            base=lambda pk=family.pk: m.Asset.objects.filter(type__family_id=pk, type__public=True),
            filters=("type_code", "condition", "community"),
            editable=EDITABLE,
        )


def register_collections():
    register_source(family_collections)
