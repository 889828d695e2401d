"""Compounds, buildings and households laid out in metres (grids.tests.factories coordinates)."""

from shapely.geometry import box

from grids.models import Building, Compound, Household
from grids.tests.factories import geos
from planning import services
from planning.models import CompoundRecord, Project, Zone


def compound(community, x0, y0, x1, y1, name="和平小区", fee_pct=80):
    c = Compound.objects.create(community=community, name=name, boundary=geos(box(x0, y0, x1, y1)))
    CompoundRecord.objects.create(compound=c, fee_collection_pct=fee_pct)
    return c


def building(compound, x0, y0, x1, y1, year=1990, storeys=6, households=4, residents=3, name=None):
    b = Building(
        compound=compound,
        name=name or f"{compound.name}{x0:g}-{y0:g}",
        footprint=geos(box(x0, y0, x1, y1))[0],
        year_built=year,
        storeys=storeys,
    )
    b.save()
    Household.objects.bulk_create(
        Household(
            building=b,
            unit="1",
            room=f"{100 + i}",
            head_name="王小明",
            phone="13912345678",
            residents=residents,
            location=b.anchor,
        )
        for i in range(households)
    )
    Household.objects.filter(building=b).assign_cells()  # their community and cell, as a register import sets them
    return b


def zone(x0, y0, x1, y1, name="和平片区"):
    z = Zone(name=name, boundary=geos(box(x0, y0, x1, y1)))
    z.full_clean()
    z.save()
    return services.refresh_statistics(z)  # as the zone editor's save leaves it once committed


def eligible_setup(community):
    """One compound that passes every rule except consent (no votes yet), its zone and a project."""
    c = compound(community, 100, 100, 300, 300)
    building(c, 120, 120, 160, 140, year=1988, storeys=6, households=6)
    building(c, 200, 200, 240, 220, year=1995, storeys=5, households=3)
    z = zone(90, 90, 310, 310)
    project = Project.objects.create(zone=z, name="和平小区改造")
    return c, z, project
