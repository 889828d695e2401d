"""Page registration of the asset register (see common.entity): staff list + map, detail, create, edit, delete."""

from django.utils.translation import gettext_lazy as _

from assets.models import Asset
from common.entity import SpatialEntity

asset = SpatialEntity(
    Asset,
    geom_field="geom",
    api="asset",
    public=False,
    labels={"opening_hours": _("opening hours")},
    list_fields=["identifier", "name", "type", "condition", "cell", "department"],
    detail_fields=[
        "identifier",
        "name",
        "type",
        "condition",
        "owner",
        "department",
        "opening_hours",
        "accessible",
        "capacity",
        "area_m2",
        "length_m",
        "open_for_adoption",
        "district",
        "community",
        "cell",
        "note",
    ],
    form_fields=[
        "type",
        "name",
        "geom",
        "condition",
        "owner",
        "department",
        "open_24h",
        "opens_at",
        "closes_at",
        "capacity",
        "accessible",
        "sorting",
        "open_for_adoption",
        "note",
    ],
    filter_fields=["type", "condition", "community", "cell"],
    queryset=lambda: Asset.objects.select_related("type__family", "cell", "community", "district"),
)

ALL = [asset]
