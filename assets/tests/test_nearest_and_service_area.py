"""Nearest-N facilities in metres, and service-area coverage per grid cell, against shapely."""

import json
import math
import random

import pytest
from shapely.geometry import Point as SPoint

from assets import services
from assets.models import Asset
from assets.tests.helpers import make_asset
from grids.models import GridCell, Household
from grids.tests.factories import make_households, point

pytestmark = pytest.mark.django_db


def test_nearest_n_are_ordered_by_metric_distance(types, town):
    rng = random.Random(11)
    spots = [(rng.uniform(0, 1000), rng.uniform(0, 800)) for _ in range(60)]
    for i, (x, y) in enumerate(spots):
        make_asset(types, "0304", x, y, name=f"厕所{i}", open_24h=True)
    make_asset(types, "0301", 501, 401)  # another type, right next to the query point: never listed
    for qx, qy in [(500, 400), (20, 780), (990, 10)]:
        found = services.nearest(point(qx, qy), [types["0304"]], n=7)
        expected = sorted(spots, key=lambda s: math.dist(s, (qx, qy)))[:7]
        assert [a.name for a in found] == [f"厕所{spots.index(s)}" for s in expected]
        for a, s in zip(found, expected, strict=True):
            assert a.distance_m == pytest.approx(math.dist(s, (qx, qy)), abs=0.05)


def test_nearest_api_answers_in_metres_and_refuses_bad_input(client, types, town):
    make_asset(types, "0304", 100, 100, name="近")
    make_asset(types, "0304", 400, 100, name="远")
    q = point(100, 140)
    r = client.get(f"/api/v1/assets/nearest/?lon={q.x}&lat={q.y}&type=0304&n=2")
    assert r.status_code == 200
    rows = r.json()
    assert [x["name"] for x in rows] == ["近", "远"]
    assert rows[0]["distance_m"] == pytest.approx(40, abs=0.05)
    assert rows[1]["distance_m"] == pytest.approx(math.hypot(300, 40), abs=0.05)
    assert client.get(f"/api/v1/assets/nearest/?lon={q.x}&lat={q.y}&type=9999").status_code == 400
    assert client.get("/api/v1/assets/nearest/?lon=abc&lat=1&type=0304").status_code == 400


def test_service_area_counts_households_within_reach_per_cell(client, types, town):
    community, cells = town
    make_households(community, 400, seed=5)
    Household.objects.all().assign_cells()
    bins = [(120, 650), (800, 150), (480, 420)]
    for x, y in bins:
        make_asset(types, "0302", x, y)
    make_asset(types, "0304", 250, 200)  # a toilet does not serve as a collection point
    radius = 250
    rows, _ = services.service_area([types["0302"]], radius, GridCell.objects.filter(community=community))
    from grids.tests.factories import ORIGIN, UTM

    located = [(h.cell_id, h.location.transform(UTM, clone=True)) for h in Household.objects.all()]
    for r in rows:
        mine = [(loc.x - ORIGIN.x, loc.y - ORIGIN.y) for cid, loc in located if cid == r.id]
        covered = sum(1 for p in mine if any(SPoint(p).distance(SPoint(b)) <= radius for b in bins))
        assert r.households == len(mine)
        assert r.covered == covered
    assert sum(r.households for r in rows) == 400
    assert 0 < sum(r.covered for r in rows) < 400

    body = client.get(f"/api/v1/service-area/?type=0302&radius={radius}&community={community.pk}").json()
    assert body["households"] == 400 and body["covered"] == sum(r.covered for r in rows)
    text = json.dumps(body, ensure_ascii=False)
    assert "张三" not in text and "13812345678" not in text and "138****" not in text


def test_markers_and_records_are_public_but_cameras_and_personal_data_are_not(client, types, town, django_user_model):
    make_asset(types, "0304", 100, 100, name="公厕")
    make_asset(types, "0601", 200, 100, name="摄像头")
    markers = client.get("/api/v1/assets/markers/").json()["features"]
    assert [f["properties"]["name"] for f in markers] == ["公厕"]
    assert client.get("/api/v1/assets/?q=摄像").json()["features"] == []
    assert Asset.objects.count() == 2


def test_markers_of_an_area_only_and_a_malformed_box_refused(client, types, town):
    inside = make_asset(types, "0304", 100, 100, name="里面的公厕")
    make_asset(types, "0304", 800, 700, name="外面的公厕")
    sw, ne = point(50, 50), point(150, 150)
    body = client.get(f"/api/v1/assets/markers/?bbox={sw.x},{sw.y},{ne.x},{ne.y}").json()
    assert [f["id"] for f in body["features"]] == [inside.pk]
    assert len(client.get("/api/v1/assets/markers/").json()["features"]) == 2
    resp = client.get("/api/v1/assets/markers/?bbox=1,2,3")
    assert resp.status_code == 400 and "bbox" in json.dumps(resp.json())
