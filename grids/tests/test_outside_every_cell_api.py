"""A record outside every grid cell answers its cell code as null on every read and write of the API, a PATCH
included (signed in as the administrator of tests/test_schemathesis.py, in the same small city); a move outside
every community is a 400 naming the location, and leaves the record as it was."""

import json

import pytest
from django.core.management import call_command
from shapely.geometry import box

from assets.models import Asset
from grids.models import Building, Household
from grids.tests.factories import geos, make_cells, make_community, make_households, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(client, django_user_model):
    """The schemathesis city (one community tiled by 2 × 1 cells, five households) and a second community that
    no cell covers yet, with the administrator signed in."""
    call_command("setup_roles", verbosity=0)
    community = make_community()
    cells = make_cells(community, 2, 1)
    households = make_households(community, 5)
    bare = make_community(code="002")  # x from 1010 m to 2010 m: no cells
    client.force_login(django_user_model.objects.create_superuser("admin", password="x-long-password-1"))
    return community, cells, households, bare


def send(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def geometry(p):
    return {"type": "Point", "coordinates": [p.x, p.y]}


def test_a_household_moved_into_a_community_without_cells_answers_a_null_cell(client, city):
    _community, _cells, households, bare = city
    url = f"/api/v1/households/{households[0].pk}/"
    r = send(client, "patch", url, {"type": "Feature", "geometry": geometry(point(1500, 400)), "properties": {}})
    assert r.status_code == 200, r.content[:300]
    props = r.json()["properties"]
    assert (props["cell"], props["cell_code"], props["community"]) == (None, None, bare.pk)
    row = Household.objects.get(pk=households[0].pk)
    assert (row.cell_id, row.community_id) == (None, bare.pk)
    assert row.location.distance(point(1500, 400)) < 1e-9
    assert client.get(url).json()["properties"]["cell_code"] is None
    r = send(
        client,
        "put",
        url,
        {"type": "Feature", "geometry": geometry(point(1600, 400)), "properties": {"head_name": "李四"}},
    )
    assert r.status_code == 200 and r.json()["properties"]["cell_code"] is None


def test_a_household_whose_cell_was_deleted_is_patched_with_a_null_cell(client, city):
    _community, cells, households, _bare = city
    Household.objects.filter(pk__in=[h.pk for h in households]).assign_cells()
    household = Household.objects.filter(cell=cells[0]).first()
    cells[0].delete()
    r = send(client, "patch", f"/api/v1/households/{household.pk}/", {"type": "Feature", "properties": {"unit": "3"}})
    assert r.status_code == 200, r.content[:300]
    assert (r.json()["properties"]["cell_code"], r.json()["properties"]["unit"]) == (None, "3")
    assert Household.objects.get(pk=household.pk).unit == "3"


def test_a_household_moved_outside_every_community_is_refused_and_left_as_it_was(client, city):
    _community, _cells, households, _bare = city
    household = households[0]
    before = Household.objects.get(pk=household.pk)
    body = {"type": "Feature", "geometry": geometry(point(30000, 30000)), "properties": {"unit": "9"}}
    r = send(client, "patch", f"/api/v1/households/{household.pk}/", body)
    assert r.status_code == 400 and list(r.json()) == ["location"]
    after = Household.objects.get(pk=household.pk)
    assert (after.location, after.unit, after.cell_id) == (before.location, before.unit, before.cell_id)


def test_a_building_outside_every_cell_answers_a_null_cell_on_a_patch(client, city):
    building = Building.objects.create(name="1栋", footprint=geos(box(1400, 300, 1440, 340))[0])
    r = send(client, "patch", f"/api/v1/buildings/{building.pk}/", {"type": "Feature", "properties": {"storeys": 6}})
    assert r.status_code == 200, r.content[:300]
    assert (r.json()["properties"]["cell_code"], r.json()["properties"]["storeys"]) == (None, 6)
    assert Building.objects.get(pk=building.pk).storeys == 6


def test_a_facility_outside_every_cell_answers_a_null_cell_on_a_patch(client, city):
    from assets.models import AssetType

    call_command("loaddata", "asset_types", verbosity=0)
    bench = AssetType.objects.get(family__code="03", code="04")
    asset = Asset.objects.create(type=bench, name="长椅", geom=point(1500, 500))
    r = send(client, "patch", f"/api/v1/assets/{asset.pk}/", {"type": "Feature", "properties": {"name": "新长椅"}})
    assert r.status_code == 200, r.content[:300]
    assert (r.json()["properties"]["cell_code"], r.json()["properties"]["name"]) == (None, "新长椅")
    assert Asset.objects.get(pk=asset.pk).name == "新长椅"
