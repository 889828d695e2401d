"""Patrols: sent once from the phone (the same id answers the same patrol), placed in the cell they run through
longest, km walked and road coverage per cell and day computed in SQL — with a track along a cell border, which
counts on both sides — and the managers' page."""

import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.gis.geos import LineString, MultiLineString
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Role
from cases.tests.factories import in_english, place
from field import patrols
from field.models import Patrol
from grids.tests.factories import point
from responsibility.models import ResponsibilityArea
from responsibility.tests.factories import line, org

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    community, west, east, worker = place(django_user_model)  # west: x 0-500 m, east: 500-1000 m, y 0-800 m
    party = org()
    for name, xy in (("西一路", ((0, 100), (500, 100))), ("东一路", ((500, 100), (1000, 100)))):
        ResponsibilityArea.objects.create(
            kind=ResponsibilityArea.Kind.ROAD, name=name, community=community, party=party, line=line(*xy), width_m=8
        )
    manager = django_user_model.objects.create_user("mgr", password="x-long-password-1")
    Membership.objects.create(user=manager, role=Role.MANAGER, community=community)
    return {"community": community, "west": west, "east": east, "worker": worker, "manager": manager}


def track(*stretches):
    lines = [LineString([(p.x, p.y) for p in (point(x, y) for x, y in xy)], srid=4326) for xy in stretches]
    return MultiLineString(*lines, srid=4326)


def walk(worker, *stretches, minutes_ago=60):
    end = timezone.now() - timedelta(minutes=minutes_ago - 30)
    patrol, _ = patrols.record(worker, uuid.uuid4(), end - timedelta(minutes=30), end, 1500, track(*stretches))
    return patrol


def test_a_patrol_is_placed_and_measured_in_sql(scene):
    patrol = walk(scene["worker"], ((0, 120), (250, 120)), ((250, 120), (250, 300)))
    assert patrol.cell == scene["west"]
    assert patrol.length_m == pytest.approx(430, abs=1)


def test_coverage_counts_the_roads_within_30_m_of_the_day_s_tracks(scene):
    patrol = walk(scene["worker"], ((0, 120), (250, 120)))  # 20 m beside 西一路: its cap reaches 22.4 m past the end
    day = timezone.localdate(patrol.started_at)
    west = patrols.day_figures(scene["west"], day, Patrol.objects.all())
    assert west["roads_m"] == pytest.approx(500, abs=0.5)
    assert west["covered_m"] == pytest.approx(272.4, abs=1.0)
    assert west["km"] == pytest.approx(0.25, abs=0.01)
    east = patrols.day_figures(scene["east"], day, Patrol.objects.all())
    assert east["patrols"] == 0 and east["coverage"] == 0
    yesterday = patrols.day_figures(scene["west"], day - timedelta(days=1), Patrol.objects.all())
    assert yesterday["patrols"] == 0 and yesterday["covered_m"] == 0


def test_a_track_along_a_cell_border_counts_on_both_sides(scene):
    patrol = walk(scene["worker"], ((500, 0), (500, 200)))  # along the border of the two cells
    day = timezone.localdate(patrol.started_at)
    for cell in (scene["west"], scene["east"]):
        figures = patrols.day_figures(cell, day, Patrol.objects.all())
        assert figures["patrols"] == 1
        assert figures["km"] == pytest.approx(0.2, abs=0.01)
        assert figures["covered_m"] == pytest.approx(30, abs=0.5)  # the 30 m of road next to the border
        assert figures["coverage"] == pytest.approx(30 / 500, abs=0.002)


def test_a_track_only_through_another_worker_s_cell_is_refused_and_not_kept(scene):
    with pytest.raises(PermissionDenied):
        walk(scene["worker"], ((600, 100), (900, 100)))  # wholly in the east cell, which the worker does not hold
    assert not Patrol.objects.exists()
    # mostly in the east cell but also in the worker's own: theirs
    patrol = walk(scene["worker"], ((450, 100), (900, 100)))
    assert patrol.cell == scene["west"]


def test_a_cell_without_street_segments_has_no_coverage_figure(scene):
    ResponsibilityArea.objects.all().delete()
    patrol = walk(scene["worker"], ((0, 120), (250, 120)))
    day = timezone.localdate(patrol.started_at)
    assert patrols.day_figures(scene["west"], day, Patrol.objects.all())["coverage"] is None


def test_a_patrol_sent_twice_is_saved_once_and_bad_ones_are_400(scene):
    client = Client()
    client.force_login(scene["worker"])
    end = timezone.now() - timedelta(minutes=5)
    body = {
        "client_id": str(uuid.uuid4()),
        "started_at": (end - timedelta(minutes=40)).isoformat(),
        "ended_at": end.isoformat(),
        "walking_seconds": 2000,
        "track": track(((0, 120), (250, 120))).geojson,
    }
    first = client.post("/field/api/patrols/", body)
    again = client.post("/field/api/patrols/", body)
    assert first.status_code == 201 and again.status_code == 200, first.content
    assert first.json()["id"] == again.json()["id"] and Patrol.objects.count() == 1
    for field, value in (
        ("track", json.dumps({"type": "Point", "coordinates": [114.3, 30.5]})),
        ("track", "not json"),
        ("ended_at", (end - timedelta(hours=1)).isoformat()),
        ("walking_seconds", "-5"),
    ):
        resp = client.post("/field/api/patrols/", {**body, "client_id": str(uuid.uuid4()), field: value})
        assert resp.status_code == 400 and field in resp.json(), (field, resp.content)
    assert Patrol.objects.count() == 1


def test_managers_see_the_cell_s_tracks_and_figures_others_do_not(scene, django_user_model):
    patrol = walk(scene["worker"], ((0, 120), (250, 120)))
    day = timezone.localdate(patrol.started_at)
    client = Client()
    client.force_login(scene["manager"])
    html = client.get("/field/patrols/", {"date": day.isoformat()}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert scene["west"].code in html and 'id="patrol-count">1<' in html and 'id="patrol-km">0.25<' in html
    assert 'data-coverage="0.54' in html  # 272 m of 500 m
    assert client.get("/field/patrols/", {"date": "2026-02-30"}).status_code == 400
    assert client.get("/field/patrols/", {"cell": "x"}).status_code == 400
    resident = django_user_model.objects.create_user("someone")
    client.force_login(resident)
    assert client.get("/field/patrols/").status_code == 403
