"""Cell codes: 15 digits, serials west→east within rows north→south, stable when a cell is edited."""

import pytest
from shapely.geometry import box

from grids.models import GridCell
from grids.split import save_split, square_grid
from grids.tests.factories import geos, make_cells, make_community

pytestmark = pytest.mark.django_db


def test_code_is_county_street_community_serial():
    community = make_community(code="007")
    cell = make_cells(community, 1, 1)[0]
    assert cell.code == "420100001007001"
    assert len(cell.code) == 15


def test_split_numbers_west_to_east_then_north_to_south():
    community = make_community(width=900, height=600)
    save_split(community, square_grid(community, 300))
    cells = list(GridCell.objects.filter(community=community).order_by("serial"))
    assert len(cells) == 6
    centres = [c.boundary.centroid for c in cells]
    # row 1: serials 1-3 north, row 2: serials 4-6 south
    assert all(centres[i].y > centres[3].y for i in range(3))
    assert centres[0].x < centres[1].x < centres[2].x
    assert centres[3].x < centres[4].x < centres[5].x
    assert [c.code[-3:] for c in cells] == ["001", "002", "003", "004", "005", "006"]


def test_code_stays_when_the_cell_is_edited_and_new_cells_take_the_next_serial():
    community = make_community()
    west, east = make_cells(community, 2, 1)
    codes = (west.code, east.code)
    # move the shared border 100 m east: shrink east first is a gap, so edit both through a transaction
    east.boundary = geos(box(600, 0, 1000, 800))
    west.boundary = geos(box(0, 0, 600, 800))
    GridCell.objects.filter(pk=east.pk).update(boundary=east.boundary)
    west.full_clean()
    west.save()
    west.refresh_from_db()
    assert (west.code, east.code) == codes
    extra = GridCell.objects.create(community=community, boundary=geos(box(0, 0, 10, 10)))
    assert extra.serial == 3 and extra.code.endswith("003")
