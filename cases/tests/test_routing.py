"""Routing: the suggestion names the cell, its worker, every covering area and the category's department, each with
its reason; the recommendation follows the rule; the dispatcher can override it."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point

from cases import routing, services, workflow
from cases.models import Case, Category, State
from cases.tests.factories import dispatcher, in_english, place, report
from responsibility.models import Party, ResponsibilityArea
from responsibility.tests.factories import org, polygon_area

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    community, west, east, worker = place(django_user_model)
    shop = org("好邻居便利店")
    polygon_area(community, 100, 100, 200, 130, name="好邻居门前", party=shop, duties=["clean"], start=date(2020, 1, 1))
    cadre = django_user_model.objects.create_user("cadre", first_name="李干部")
    polygon_area(
        community,
        0,
        0,
        500,
        800,
        kind=ResponsibilityArea.Kind.ZONE,
        name="第一片",
        party=Party.objects.create(kind=Party.Kind.USER, user=cadre),
        start=date(2020, 1, 1),
    )
    return community, west, east, worker, shop


def test_overlapping_areas_are_all_listed_and_the_frontage_party_is_recommended_for_litter(scene):
    community, west, east, worker, shop = scene
    s = routing.suggest(report(x=150, y=115, code="0101"))  # 暴露垃圾 lists 门前三包 first
    assert s.cell == west
    labels = {c.label: c for c in s.candidates}
    assert set(labels) == {"好邻居便利店", "李干部", "区环卫所", "网格员小王"}
    assert "好邻居门前" in labels["好邻居便利店"].reason and "第一片" in labels["李干部"].reason
    assert "区环卫所" in labels["区环卫所"].reason and west.code in labels["网格员小王"].reason
    assert s.recommended.label == "好邻居便利店" and s.candidates[0].recommended
    assert any(west.code in f for f in s.facts)


def test_a_category_without_area_kinds_goes_to_its_department(scene):
    s = routing.suggest(report(x=150, y=115, code="0402"))  # 乱停乱放 → 区交警大队
    assert s.recommended.label == "区交警大队" and s.recommended.kind == "department"


def test_a_point_in_no_area_gets_the_department_and_says_so(scene):
    community, west, east, worker, shop = scene
    s = routing.suggest(report(x=800, y=400, code="0101"))
    assert s.cell == east
    assert [c.label for c in s.candidates] == ["区环卫所"]  # east has no worker, no area
    assert "No responsibility area covers the location." in s.facts


def test_a_point_on_the_boundary_between_cells_goes_to_the_lowest_and_names_the_other(scene):
    community, west, east, worker, shop = scene
    shared = west.boundary.intersection(east.boundary)  # the edge both cells share, exactly as stored
    x, y = shared.coords[0] if shared.geom_type == "LineString" else shared[0].coords[0]
    disp = Category.objects.get(code="0402")
    case = services.submit(
        services.Report(
            kind="problem",
            category=disp,
            description="乱停车",
            location=Point(x, y, srid=4326),
            contact_phone="13812345678",
        )
    )
    assert case.cell == min(west, east, key=lambda c: c.id)
    s = routing.suggest(case)
    assert any(east.code in f for f in s.facts)


def test_the_dispatcher_sees_the_suggestion_and_can_override_it(client, scene, django_user_model):
    community, west, east, worker, shop = scene
    disp = dispatcher(django_user_model)
    case = report(x=150, y=115, code="0101")
    workflow.perform(case, "register", disp)
    client.force_login(disp)
    html = client.get(f"/cases/{case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "好邻居门前" in html and "区环卫所" in html and f'value="party:{shop.pk}" checked' in html
    other = Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区城管执法局")
    response = client.post(
        f"/cases/{case.pk}/act/dispatch/",
        {"handler": f"party:{shop.pk}", "handler_other": f"party:{other.pk}", "version": 2},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.handler_party == other and case.department == "区城管执法局"
    assert Case.objects.get(pk=case.pk).events.latest("id").handler == "区城管执法局"
