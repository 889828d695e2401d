"""The dashboard page stays light: its cell map is one cached GeoJSON request, not inlined in the HTML."""

import pytest

from accounts.models import Membership, Role
from grids.tests.factories import make_cells, make_community

pytestmark = pytest.mark.django_db


def test_cell_map_is_fetched_not_inlined(client, django_user_model):
    community = make_community(code="001")
    cells = make_cells(community, 12, 10)
    other = make_community(code="002")
    manager = django_user_model.objects.create_user("m-size", password="x-long-password-1")
    Membership.objects.create(user=manager, role=Role.MANAGER, community=community)
    client.force_login(manager)
    query = "?start=2026-03-01&end=2026-03-31"

    page = client.get(f"/cogov/dashboard/community/{community.pk}/{query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert len(page.content) < 200_000
    assert "coordinates" not in html  # no cell geometry in the page
    config = page.context["config"]
    assert config["cells"] == f"/cogov/dashboard/community/{community.pk}/report.geojson{query}"

    geojson = client.get(config["cells"])
    assert geojson.status_code == 200 and geojson["Content-Type"] == "application/json"
    assert geojson["Cache-Control"].startswith("private")
    features = geojson.json()["features"]
    assert sorted(f["properties"]["code"] for f in features) == sorted(c.code for c in cells)
    assert all(
        f["geometry"]["type"] in ("Polygon", "MultiPolygon") and "households" in f["properties"] for f in features
    )
    assert client.get(f"/cogov/dashboard/community/{other.pk}/report.geojson").status_code == 403  # not their area
    client.logout()
    assert client.get(config["cells"]).status_code == 302  # signed out: to the login page
