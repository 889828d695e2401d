"""Bad geometries get a clear, specific error and nothing is saved."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError

from grids.models import Building, GridCell, Household
from grids.tests.factories import make_community, point

pytestmark = pytest.mark.django_db


def test_self_intersecting_polygon_is_refused():
    community = make_community()
    p0, p1, p2, p3 = point(0, 0), point(500, 500), point(500, 0), point(0, 500)
    bowtie = Polygon([(p.x, p.y) for p in (p0, p1, p2, p3, p0)], srid=4326)
    cell = GridCell(community=community, boundary=MultiPolygon(bowtie, srid=4326))
    with pytest.raises(ValidationError) as err:
        cell.full_clean()
    assert "Self-intersection" in str(err.value)
    assert GridCell.objects.count() == 0


def test_wrong_srid_is_refused():
    community = make_community()
    square = Polygon.from_bbox((12723000, 3568000, 12724000, 3569000))
    square.srid = 3857
    cell = GridCell(community=community, boundary=MultiPolygon(square, srid=3857))
    with pytest.raises(ValidationError) as err:
        cell.full_clean()
    assert "EPSG:4326" in str(err.value) and "3857" in str(err.value)


def test_projected_coordinates_claimed_as_lon_lat_are_refused():
    community = make_community()
    square = Polygon.from_bbox((12723000, 3568000, 12724000, 3569000))
    square.srid = 4326
    cell = GridCell(community=community, boundary=MultiPolygon(square, srid=4326))
    with pytest.raises(ValidationError) as err:
        cell.full_clean()
    assert "bounds" in str(err.value) or "范围" in str(err.value)


def test_household_outside_every_community_is_refused():
    make_community()
    h = Household(head_name="李四", location=Point(116.4, 39.9, srid=4326))  # Beijing
    with pytest.raises(ValidationError) as err:
        h.full_clean()
    assert "location" in err.value.message_dict
    assert Household.objects.count() == 0


def test_building_footprint_must_be_a_polygon_inside_the_district():
    make_community()
    b = Building(name="1栋", footprint=Polygon.from_bbox((121.0, 31.0, 121.001, 31.001)))
    b.footprint.srid = 4326
    with pytest.raises(ValidationError) as err:
        b.full_clean()
    assert "footprint" in err.value.message_dict


def test_bad_id_number_and_phone_are_refused():
    make_community()
    h = Household(head_name="王五", location=point(10, 10), id_number="420106199001011230", phone="12345")
    with pytest.raises(ValidationError) as err:
        h.full_clean()
    assert set(err.value.message_dict) >= {"id_number", "phone"}
