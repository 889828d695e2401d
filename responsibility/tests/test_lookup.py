"""Who is responsible here: cell, workers and areas at a point, today or on a past date; edges included."""

from datetime import date

import pytest
from django.contrib.auth.models import User

from grids.models import GridAssignment
from grids.tests.factories import make_cells, make_community, point
from responsibility.models import Party, ResponsibilityArea
from responsibility.tests.factories import polygon_area

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    community = make_community()
    west, east = make_cells(community, 2, 1)  # west: x 0-500, east: x 500-1000
    old = User.objects.create_user("old", first_name="老王")
    new = User.objects.create_user("new", first_name="小李")
    GridAssignment.objects.create(cell=west, worker=old, start=date(2026, 1, 1), end=date(2026, 3, 31))
    GridAssignment.objects.create(cell=west, worker=new, start=date(2026, 4, 1))
    polygon_area(community, 100, 100, 200, 130, name="好邻居门前", duties=["clean", "facade"])
    polygon_area(
        community,
        0,
        0,
        500,
        800,
        kind=ResponsibilityArea.Kind.ZONE,
        name="第一片",
        party=Party.objects.create(kind=Party.Kind.USER, user=new),
    )
    return community, west, east


def test_point_gets_cell_worker_and_every_covering_area(client, place):
    _community, west, _east = place
    p = point(150, 115)
    data = client.get(f"/api/v1/responsibility/?lon={p.x}&lat={p.y}&date=2026-05-01").json()
    assert data["cell"]["code"] == west.code
    assert [w["name"] for w in data["workers"]] == ["小李"]
    assert sorted(a["name"] for a in data["areas"]) == ["好邻居门前", "第一片"]
    frontage = next(a for a in data["areas"] if a["name"] == "好邻居门前")
    assert frontage["party"] == "好邻居便利店" and len(frontage["duties"]) == 2


def test_historical_date_answers_who_was_responsible_then(client, place):
    p = point(150, 115)
    data = client.get(f"/api/v1/responsibility/?lon={p.x}&lat={p.y}&date=2026-03-03").json()
    assert [w["name"] for w in data["workers"]] == ["老王"]


def test_point_on_the_edge_between_two_cells(client, place):
    _community, west, east = place
    p = point(500, 0)  # the corner both cells share
    data = client.get(f"/api/v1/responsibility/?lon={p.x}&lat={p.y}").json()
    assert {data["cell"]["code"], *data["boundary_cells"]} == {west.code, east.code}
    assert data["cell"]["code"] == min((west, east), key=lambda c: c.id).code


def test_point_outside_every_cell(client, place):
    p = point(-500, -500)
    data = client.get(f"/api/v1/responsibility/?lon={p.x}&lat={p.y}").json()
    assert data["cell"] is None and data["workers"] == [] and data["areas"] == []


def test_household_party_is_shown_by_door_plate_never_by_name(client, place):
    community, _west, _east = place
    from grids.models import Household

    h = Household.objects.create(head_name="张三丰", phone="13812341234", location=point(300, 300), room="101")
    polygon_area(
        community,
        280,
        280,
        320,
        320,
        party=Party.objects.create(kind=Party.Kind.HOUSEHOLD, household=h),
        name="101门前",
    )
    p = point(300, 300)
    text = client.get(f"/api/v1/responsibility/?lon={p.x}&lat={p.y}").content.decode()
    assert "101" in text and "张三丰" not in text and "13812341234" not in text


@pytest.mark.parametrize("query", ["lon=abc&lat=30.5", "lon=114.3", "lon=200&lat=30.5", "lon=114.3&lat=30.5&date=May"])
def test_bad_queries_get_a_clear_400(client, query):
    resp = client.get(f"/api/v1/responsibility/?{query}")
    assert resp.status_code == 400
    assert resp.json()
