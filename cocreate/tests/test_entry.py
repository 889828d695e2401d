"""Staff entry pages: a community's managers record contributions (money, labour, materials, land drawn on the map)
to a campaign, a renovation project or a facility, and start campaigns (a zone drawn, or cells); only in their own
area (404 elsewhere), through the model's rules, nothing half-saved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from shapely.geometry import MultiPolygon, Polygon, box

from accounts.models import Membership, Role
from cases.tests.factories import in_english
from cocreate.models import Campaign, Contribution
from cocreate.tests.factories import scene as make_scene
from grids.models import Household
from grids.tests.factories import geos, make_community, point

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    s = make_scene(django_user_model)
    today = timezone.localdate()
    s["campaign"] = Campaign.objects.create(
        community=s["community"], name="环境整治月", start=today - timedelta(days=3), end=today + timedelta(days=20)
    )
    s["campaign"].cells.set([s["west"]])
    s["other"] = make_community(code="002")
    s["other_manager"] = django_user_model.objects.create_user("other_manager")
    Membership.objects.create(user=s["other_manager"], role=Role.MANAGER, community=s["other"])
    return s


def geojson(shape):
    """What the map widget posts: GeoJSON in EPSG:4326 (geos() gives polygons as multipolygons)."""
    g = geos(shape)
    return g[0].geojson if isinstance(shape, Polygon) else g.geojson


def post_contribution(client, s, **fields):
    data = {"kind": "money", "contributor_kind": "household", "household": s["households"][0].pk}
    data["on"] = timezone.localdate().isoformat()
    data.update(fields)
    return client.post(reverse("cocreate:campaign-contribution", args=[s["campaign"].pk]), data)


def test_a_manager_records_money_labour_and_land_drawn_on_the_map(client, scene):
    client.force_login(scene["manager"])
    assert post_contribution(client, scene, amount="500").status_code == 302
    resp = post_contribution(client, scene, kind="labour", hours="4", work="清理楼道", amount="", quantity="", value="")
    assert resp.status_code == 302
    land = post_contribution(
        client,
        scene,
        kind="land",
        contributor_kind="organisation",
        household="",
        contributor_name="和平物业",
        area=geojson(box(100, 100, 120, 110)),
    )
    assert land.status_code == 302, land.context["form"].errors
    rows = {c.kind: c for c in Contribution.objects.filter(campaign=scene["campaign"])}
    assert rows["money"].amount == Decimal("500") and rows["money"].community == scene["community"]
    assert (rows["labour"].hours, rows["labour"].work) == (Decimal("4"), "清理楼道")
    assert rows["land"].area_m2 == pytest.approx(200, rel=0.01) and rows["land"].contributor_name == "和平物业"
    page = client.get(reverse("cocreate:campaign-contribution", args=[scene["campaign"].pk])).content.decode()
    assert "和平物业" in page  # the list of what was recorded so far
    assert f'name="on" value="{timezone.localdate().isoformat()}"' in page  # today, ready for the date picker


@pytest.mark.parametrize(
    "fields,field_error",
    [
        ({"kind": "labour", "hours": "3"}, "Labour needs the hours and what was done."),
        ({"kind": "land"}, "Draw the land or space on the map."),
        ({"kind": "money", "amount": "-5"}, "greater than or equal to 0"),
        ({"contributor_kind": "business", "household": ""}, "Name the business or organisation."),
    ],
)
def test_bad_input_gets_its_error_and_nothing_is_saved(client, scene, fields, field_error):
    client.force_login(scene["manager"])
    resp = post_contribution(client, scene, **{"amount": "10", **fields})
    assert resp.status_code == 200 and field_error in resp.content.decode()
    assert not Contribution.objects.exists()


def test_a_household_of_another_community_is_refused(client, scene):
    stranger = Household.objects.create(head_name="外人", room="1", location=point(1500, 100))
    client.force_login(scene["manager"])
    resp = post_contribution(client, scene, amount="10", household=stranger.pk)
    assert resp.status_code == 200 and not Contribution.objects.exists()


@pytest.mark.parametrize("who", ["other_manager", "worker", "resident"])
def test_outside_the_managers_area_the_pages_are_not_there(client, scene, who):
    client.force_login(scene[who])
    assert client.get(reverse("cocreate:campaign-contribution", args=[scene["campaign"].pk])).status_code == 404
    assert post_contribution(client, scene, amount="10").status_code == 404
    assert client.get(reverse("cocreate:campaign-new", args=[scene["community"].pk])).status_code == 404
    assert not Contribution.objects.exists()


def test_a_project_contribution_goes_to_the_project_and_shows_on_the_thank_you_list(client, scene):
    from planning.models import Project
    from planning.tests.factories import zone

    project = Project.objects.create(zone=zone(50, 50, 250, 250), name="和平小区改造")
    url = reverse("cocreate:project-contribution", args=[project.pk])
    client.force_login(scene["other_manager"])
    assert client.get(url).status_code == 404
    client.force_login(scene["manager"])
    data = {"kind": "money", "contributor_kind": "household", "household": scene["households"][1].pk}
    resp = client.post(url, {**data, "amount": "800", "alias": "热心邻居", "on": timezone.localdate().isoformat()})
    assert resp.status_code == 302
    assert Contribution.objects.get().project == project
    assert "热心邻居" in client.get(reverse("cocreate:thanks", args=[project.pk])).content.decode()


def test_a_manager_starts_a_campaign_from_a_drawn_zone_or_from_cells(client, scene):
    from cases.models import Category

    client.force_login(scene["manager"])
    url = reverse("cocreate:campaign-new", args=[scene["community"].pk])
    today = timezone.localdate()
    base = {"name": "五清行动", "start": today.isoformat(), "end": (today + timedelta(days=30)).isoformat()}
    cat = Category.objects.filter(active=True).first()
    zone = geojson(MultiPolygon([box(600, 100, 800, 300)]))  # inside the east cell only
    resp = client.post(url, {**base, "zone": zone, "categories": [cat.pk], "checklist_text": "清垃圾\n 清杂物 \n"})
    assert resp.status_code == 302
    drawn = Campaign.objects.get(name="五清行动")
    assert list(drawn.cells.all()) == [scene["east"]]
    assert drawn.checklist == ["清垃圾", "清杂物"] and list(drawn.categories.all()) == [cat]
    resp = client.post(url, {**base, "name": "三乱整治", "cells": [scene["west"].pk]})
    assert resp.status_code == 302 and list(Campaign.objects.get(name="三乱整治").cells.all()) == [scene["west"]]


@pytest.mark.parametrize(
    "fields,error",
    [
        ({}, "Draw the campaign&#x27;s zone on the map or choose its grid cells."),
        ({"end": "2020-01-01"}, "The campaign ends before it starts."),
        ({"zone": "POINT (1 2)"}, "zone"),
    ],
)
def test_a_campaign_with_bad_input_is_refused_whole(client, scene, fields, error):
    client.force_login(scene["manager"])
    today = timezone.localdate()
    data = {"name": "坏", "start": today.isoformat(), "end": (today + timedelta(days=3)).isoformat(), **fields}
    if "end" in fields:  # cells chosen: only the period is wrong
        data["cells"] = [scene["west"].pk]
    resp = client.post(reverse("cocreate:campaign-new", args=[scene["community"].pk]), data)
    assert resp.status_code == 200 and error in resp.content.decode()
    assert not Campaign.objects.filter(name="坏").exists()


def test_a_zone_outside_the_community_is_refused(client, scene):
    client.force_login(scene["manager"])
    today = timezone.localdate()
    data = {"name": "越界", "start": today.isoformat(), "end": today.isoformat()}
    data["zone"] = geojson(MultiPolygon([box(3000, 3000, 3100, 3100)]))
    resp = client.post(reverse("cocreate:campaign-new", args=[scene["community"].pk]), data)
    assert resp.status_code == 200 and "The zone lies outside the community." in resp.content.decode()
    assert not Campaign.objects.filter(name="越界").exists()
