"""Saving a grid cell that breaks the tiling of its community is refused with the offending cells and m²."""

import re

import pytest
from django.core.exceptions import ValidationError
from shapely.geometry import box

from grids.models import GridCell
from grids.tests.factories import geos, make_cells, make_community
from grids.topology import check_community

pytestmark = pytest.mark.django_db


def area_in(message):
    """The m² figure a tiling message reports."""
    return float(re.search(r"([\d.]+) m²", message).group(1))


def test_cells_tiling_the_community_have_no_problems():
    community = make_community()
    make_cells(community, 2, 2)
    assert check_community(community) == []


def test_overlapping_cell_is_refused_naming_both_cells_and_the_area():
    community = make_community()
    a = GridCell.objects.create(community=community, boundary=geos(box(0, 0, 500, 800)))
    intruder = GridCell(community=community, boundary=geos(box(400, 0, 1000, 800)))  # 100 m × 800 m on a
    with pytest.raises(ValidationError) as err:
        intruder.full_clean()
    message = " ".join(err.value.message_dict["boundary"])
    assert a.code in message
    assert area_in(message) == pytest.approx(100 * 800, rel=1e-3)
    assert GridCell.objects.count() == 1


def test_overlap_area_is_measured_in_square_metres():
    community = make_community()
    GridCell.objects.create(community=community, boundary=geos(box(0, 0, 500, 800)))
    from grids.topology import check_cell_change

    problems = check_cell_change(community, {None: geos(box(450, 0, 1000, 800))})
    overlap = [p for p in problems if p.kind == "overlap"]
    assert len(overlap) == 1
    assert overlap[0].area_m2 == pytest.approx(50 * 800, rel=1e-3)


def test_cell_reaching_outside_the_community_is_refused():
    community = make_community()
    cell = GridCell(community=community, boundary=geos(box(0, 0, 1000, 900)))  # 100 m beyond the top
    with pytest.raises(ValidationError) as err:
        cell.full_clean()
    message = " ".join(err.value.message_dict["boundary"])
    assert cell.community.name in message
    assert area_in(message) == pytest.approx(1000 * 100, rel=1e-3)


def test_shrinking_a_cell_that_would_leave_a_gap_is_refused():
    community = make_community()
    cells = make_cells(community, 2, 1)
    west = cells[0]
    west.boundary = geos(box(0, 0, 400, 800))  # leaves 100 m × 800 m uncovered
    with pytest.raises(ValidationError) as err:
        west.full_clean()
    assert area_in(err.value.message_dict["boundary"][0]) == pytest.approx(100 * 800, rel=1e-3)
    west.refresh_from_db()
    assert check_community(community) == []


def test_full_report_lists_a_gap_of_the_stored_cells():
    community = make_community()
    GridCell.objects.create(community=community, boundary=geos(box(0, 0, 500, 800)))
    problems = check_community(community)
    assert [p.kind for p in problems] == ["gap"]
    assert problems[0].area_m2 == pytest.approx(500 * 800, rel=1e-3)
