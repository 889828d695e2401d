"""The JSON API: GeoJSON features, bbox filtering, paging, model rules on write, OpenAPI schema, health."""

import json

import pytest
from django.contrib.auth.models import User

from grids.models import GridAssignment, GridCell
from grids.tests.factories import make_cells, make_community, make_households, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def cells():
    community = make_community()
    cells = make_cells(community, 2, 2)
    make_households(community, 40, seed=2)
    from grids.models import Household

    Household.objects.all().assign_cells()
    worker = User.objects.create_user("w1", first_name="刘洋")
    GridAssignment.objects.create(cell=cells[0], worker=worker, start="2026-01-01")
    return cells


def test_cells_are_geojson_features_with_codes_workers_and_counts(client, cells):
    data = client.get("/api/v1/cells/").json()
    assert data["type"] == "FeatureCollection" and data["count"] == 4
    first = next(f for f in data["features"] if f["id"] == cells[0].pk)
    assert first["geometry"]["type"] == "MultiPolygon"
    assert first["properties"]["code"] == cells[0].code
    assert first["properties"]["workers"] == [{"name": "刘洋", "role": "primary"}]
    assert sum(f["properties"]["household_count"] for f in data["features"]) == 40


def test_bbox_keeps_only_intersecting_cells(client, cells):
    sw, ne = point(10, 10), point(50, 50)  # inside the south-west cell only
    data = client.get(f"/api/v1/cells/?bbox={sw.x},{sw.y},{ne.x},{ne.y}").json()
    assert [f["properties"]["code"] for f in data["features"]] == [cells[2].code]


def test_paging(client, cells):
    data = client.get("/api/v1/cells/?page_size=3").json()
    assert len(data["features"]) == 3 and data["next"]
    rest = client.get(data["next"]).json()
    assert len(rest["features"]) == 1 and rest["next"] is None


def test_writing_an_overlapping_cell_through_the_api_is_refused(client, cells):
    client.force_login(User.objects.create_superuser("boss", password="x-long-password-1"))
    geometry = json.loads(cells[0].boundary.geojson)
    resp = client.post(
        "/api/v1/cells/",
        {"type": "Feature", "geometry": geometry, "properties": {"community": cells[0].community_id}},
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert cells[0].code in json.dumps(resp.json(), ensure_ascii=False)
    assert GridCell.objects.count() == 4


def test_anonymous_cannot_write(client, cells):
    resp = client.delete(f"/api/v1/cells/{cells[0].pk}/")
    assert resp.status_code in (401, 403)
    assert GridCell.objects.count() == 4


def test_openapi_schema_lists_the_endpoints(client):
    resp = client.get("/api/schema/?format=json")
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    for p in ("/api/v1/cells/", "/api/v1/households/", "/api/v1/communities/", "/api/v1/buildings/"):
        assert p in paths


def test_healthz_reports_database_and_postgis(client):
    data = client.get("/healthz").json()
    assert data["status"] == "ok"
    assert data["database"].startswith("PostgreSQL")
    assert data["postgis"].split(".")[0] == "3"
