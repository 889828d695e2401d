"""The targets this app brings: grid cells, buildings, households and free overlay layers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grids.models import Building, Community, GridCell, Household
from layers import coverage
from layers.models import Feature, FeatureLayer
from layers.targets import Target, register
from layers.tiles import TileLayer, register_tile_layer


def cell_community(obj, job):
    """A new grid cell belongs to the community that holds its interior; its code is given on save."""
    if obj.pk is None:
        obj.code = ""
    if obj.community_id or obj.boundary is None:
        return
    community = Community.objects.filter(boundary__covers=obj.boundary.point_on_surface).first()
    if community is None:
        raise ValidationError(gettext("The cell lies outside every community."))
    obj.community = community


def overlay_scope(job):
    return {"layer": job.overlay}


register(
    Target(
        name="gridcell",
        label=_("grid cells"),
        model=GridCell,
        geom_field="boundary",
        geom_kinds=("MultiPolygon",),
        fields={"code": _("code"), "name": _("name")},
        key_fields=["code"],
        permission="grids.change_gridcell",
        prepare=cell_community,
    )
)
register(
    Target(
        name="building",
        label=_("buildings"),
        model=Building,
        geom_field="footprint",
        geom_kinds=("Polygon",),
        fields={"name": _("name"), "year_built": _("year built"), "storeys": _("storeys"), "units": _("units")},
        key_fields=["name"],
        required=("name",),
        permission="grids.add_building",
    )
)
register(
    Target(
        name="household",
        label=_("households"),
        model=Household,
        geom_field="location",
        geom_kinds=("Point",),
        fields={
            "address": _("address"),
            "unit": _("unit"),
            "room": _("room"),
            "head_name": _("head of household"),
            "phone": _("phone"),
            "id_number": _("ID number"),
            "residents": _("residents"),
            "status": _("status"),
            "toilet": _("toilet type"),
        },
        key_fields=["id_number", "address"],
        required=("head_name",),
        permission="grids.add_household",
    )
)
register(
    Target(
        name="feature",
        label=_("free overlay layer"),
        model=Feature,
        geom_field="geom",
        fields={"key": _("key"), "name": _("name")},
        key_fields=["key"],
        extra_properties=True,
        permission="layers.add_feature",
        scope=overlay_scope,
    )
)


# Green coverage from imagery is computed for every grid cell (other apps register their areas, layers.coverage).
coverage.register(coverage.CoverageTarget("cell", GridCell.objects.all))

# Public vector tiles: no personal data (households have no tile layer).
# Overlay layers shown to everyone (visibility "public"); a client picks one layer by its layer_id property.
register_tile_layer(
    TileLayer(
        "overlay",
        lambda: Feature.objects.filter(layer__visibility=FeatureLayer.Visibility.PUBLIC),
        "geom",
        ["layer_id", "key", "name"],
    )
)
register_tile_layer(TileLayer("gridcell", GridCell.objects.all, "boundary", ["code", "name", "community__name"]))
register_tile_layer(
    TileLayer(
        "building", Building.objects.all, "footprint", ["name", "year_built", "storeys", "cell__code"], min_zoom=12
    )
)
