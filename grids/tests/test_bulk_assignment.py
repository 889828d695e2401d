"""Households and buildings find their grid cell from their location, in bulk, as shapely would."""

import random

import pytest
import shapely
from django.contrib.gis.geos import Polygon

from grids.models import Building, GridCell, Household
from grids.split import save_split, square_grid
from grids.tests.factories import make_community, point

pytestmark = pytest.mark.django_db


def test_bulk_assignment_matches_shapely_on_random_points():
    community = make_community(width=1000, height=800)
    save_split(community, square_grid(community, 170))  # uneven squares, slivers merged: irregular cells
    rng = random.Random(42)
    # points across and beyond the community (some fall outside every cell)
    rows = [
        Household(head_name="赵六", location=point(rng.uniform(-50, 1050), rng.uniform(-50, 850))) for _ in range(2000)
    ]
    Household.objects.bulk_create(rows)
    updated = Household.objects.all().assign_cells()
    assert updated == 2000
    cells = [(c.id, shapely.from_wkb(bytes(c.boundary.wkb))) for c in GridCell.objects.order_by("id")]
    mismatches = 0
    for h in Household.objects.only("id", "location", "cell_id"):
        p = shapely.Point(h.location.x, h.location.y)
        expected = next((cid for cid, g in cells if g.covers(p)), None)
        mismatches += expected != h.cell_id
    assert mismatches == 0
    assert Household.objects.filter(cell__isnull=False).exclude(community=community).count() == 0


def test_saving_a_household_or_building_assigns_its_cell():
    community = make_community()
    save_split(community, square_grid(community, 500))
    h = Household.objects.create(head_name="钱七", location=point(100, 700))
    assert h.cell is not None and h.cell.boundary.covers(h.location)
    assert h.community == community
    corners = [point(600, 100), point(660, 100), point(660, 114), point(600, 114), point(600, 100)]
    b = Building.objects.create(name="1栋", footprint=Polygon([(p.x, p.y) for p in corners], srid=4326))
    assert b.cell is not None and b.cell.boundary.covers(b.anchor)
