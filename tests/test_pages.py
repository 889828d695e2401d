"""List, detail and edit pages of the grid models, with their access rules."""

import pytest
from django.contrib.auth.models import User
from shapely.geometry import box

from grids.models import GridCell
from grids.tests.factories import geos, make_cells, make_community

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["district", "street", "community", "gridcell", "building"])
def test_public_lists_open(client, name):
    make_cells(make_community(), 2, 1)
    assert client.get(f"/grids/{name}/").status_code == 200


def test_community_page_reports_tiling(client):
    community = make_community()
    GridCell.objects.create(community=community, boundary=geos(box(0, 0, 500, 800)))
    html = client.get(f"/grids/community/{community.pk}/").content.decode()
    assert "400000.0 m²" in html.replace(",", "") or "399999" in html


def test_edit_form_refuses_overlap_and_keeps_the_cell(client):
    community = make_community()
    west, east = make_cells(community, 2, 1)
    client.force_login(User.objects.create_superuser("boss", password="x-long-password-1"))
    resp = client.post(
        f"/grids/gridcell/{west.pk}/edit/",
        {"community": community.pk, "name": "", "boundary": geos(box(0, 0, 700, 800)).geojson},
    )
    assert resp.status_code == 200
    assert east.code in resp.content.decode()
    west.refresh_from_db()
    assert west.boundary.equals_exact(geos(box(0, 0, 500, 800)), 1e-9)


def test_editing_needs_permission(client):
    cell = make_cells(make_community(), 1, 1)[0]
    client.force_login(User.objects.create_user("viewer", password="x-long-password-1"))
    assert client.get(f"/grids/gridcell/{cell.pk}/edit/").status_code == 403
