"""Page registrations of the grid models (see common.entity)."""

from django.utils.translation import gettext_lazy as _

from accounts.scoping import scope_households
from common.entity import SpatialEntity
from grids import queries
from grids.models import Building, Community, Compound, District, GridCell, Household, Street

LABELS = {
    "full_code": _("code"),
    "cell_count": _("grid cells"),
    "household_count": _("households"),
    "building_count": _("buildings"),
    "door_plate": _("door plate"),
}

district = SpatialEntity(
    District,
    labels=LABELS,
    geom_field="boundary",
    api="district",
    list_fields=["name", "code"],
    form_fields=["code", "name", "boundary"],
)
street = SpatialEntity(
    Street,
    labels=LABELS,
    geom_field="boundary",
    api="street",
    list_fields=["name", "full_code", "district"],
    form_fields=["district", "code", "name", "boundary"],
    filter_fields=["district"],
    queryset=lambda: Street.objects.select_related("district"),
)
community = SpatialEntity(
    Community,
    labels=LABELS,
    geom_field="boundary",
    api="community",
    list_fields=["name", "full_code", "street", "kind", "cell_count", "household_count"],
    form_fields=["street", "code", "name", "kind", "boundary"],
    filter_fields=["street", "kind"],
    queryset=queries.communities,
)
gridcell = SpatialEntity(
    GridCell,
    labels=LABELS,
    geom_field="boundary",
    api="gridcell",
    list_fields=["code", "name", "community", "household_count", "building_count"],
    detail_fields=["code", "name", "community", "household_count", "building_count"],
    form_fields=["community", "name", "boundary"],
    filter_fields=["community"],
    queryset=queries.cells,
)
compound = SpatialEntity(
    Compound,
    labels=LABELS,
    geom_field="boundary",
    api="compound",
    list_fields=["name", "community", "kind"],
    form_fields=["community", "name", "kind", "boundary"],
    filter_fields=["community", "kind"],
    queryset=lambda: Compound.objects.select_related("community"),
)
building = SpatialEntity(
    Building,
    labels=LABELS,
    geom_field="footprint",
    api="building",
    list_fields=["name", "compound", "cell", "year_built", "storeys", "units", "household_count"],
    form_fields=["name", "compound", "footprint", "year_built", "storeys", "units"],
    filter_fields=["cell", "community"],
    queryset=queries.buildings,
)
household = SpatialEntity(
    Household,
    labels=LABELS,
    geom_field="location",
    api="household",
    public=False,
    list_fields=["door_plate", "head_name", "phone", "residents", "status", "cell"],
    detail_fields=[
        "door_plate",
        *Household.REGISTER_FIELDS,
        "cell",
        "community",
    ],
    form_fields=[
        "building",
        "unit",
        "room",
        "address",
        "location",
        *Household.REGISTER_FIELDS,
    ],
    filter_fields=["cell", "community", "status"],
    queryset=queries.households,
    scope=scope_households,
)

ALL = [district, street, community, gridcell, compound, building, household]
