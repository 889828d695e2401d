"""Responsibility areas through the API: managers create polygons and street segments; rules give 400s."""

import json

import pytest
from django.contrib.auth.models import User
from shapely.geometry import box

from grids.tests.factories import geos, make_community
from responsibility.models import ResponsibilityArea
from responsibility.tests.factories import line, org

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    community = make_community()
    user = User.objects.create_user("manager", password="x-long-password-1")
    community.managers.add(user)
    client.force_login(user)
    return client, community


def feature(geometry, **props):
    return {"type": "Feature", "geometry": json.loads(geometry.geojson), "properties": props}


def test_manager_creates_a_frontage(manager_client):
    client, community = manager_client
    party = org()
    body = feature(
        geos(box(10, 10, 60, 16))[0],
        kind="frontage",
        name="门前",
        party=party.pk,
        duties=["clean"],
        start="2026-01-01",
        community=community.pk,
    )
    resp = client.post("/api/v1/responsibility-areas/", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    area = ResponsibilityArea.objects.get()
    assert area.community == community and area.duties == ["clean"]


def test_manager_creates_a_street_segment_from_its_centreline(manager_client):
    client, community = manager_client
    body = feature(
        line((100, 400), (600, 400)), kind="road", name="一路保洁", party=org().pk, width_m=10, start="2026-01-01"
    )
    resp = client.post("/api/v1/responsibility-areas/", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    area = ResponsibilityArea.objects.get()
    assert area.line is not None and area.area.geom_type == "MultiPolygon"


def test_overlap_through_the_api_is_a_400_with_the_reason(manager_client):
    client, community = manager_client
    party = org()
    body = feature(geos(box(10, 10, 60, 16))[0], kind="frontage", name="甲", party=party.pk, start="2026-01-01")
    assert client.post("/api/v1/responsibility-areas/", body, content_type="application/json").status_code == 201
    body["properties"]["name"] = "乙"
    resp = client.post("/api/v1/responsibility-areas/", body, content_type="application/json")
    assert resp.status_code == 400
    assert "甲" in json.dumps(resp.json(), ensure_ascii=False)
    assert ResponsibilityArea.objects.count() == 1


def test_non_manager_cannot_create(client):
    community = make_community()
    client.force_login(User.objects.create_user("someone", password="x-long-password-1"))
    body = feature(
        geos(box(10, 10, 60, 16))[0],
        kind="frontage",
        name="甲",
        party=org().pk,
        start="2026-01-01",
        community=community.pk,
    )
    assert client.post("/api/v1/responsibility-areas/", body, content_type="application/json").status_code == 403
    assert ResponsibilityArea.objects.count() == 0
