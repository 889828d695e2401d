"""Before submit: open cases of the same category within 50 m, found with an indexed metric query."""

import pytest
from django.db import connection

from cases.models import Case, Category, State
from cases.services import possible_duplicates
from cases.tests.factories import place, report
from grids.tests.factories import in_test_district, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(django_user_model):
    place(django_user_model)
    near = report(x=130, y=100)  # 30 m east
    far = report(x=160, y=100)  # 60 m
    other = report(x=110, y=100, code="0402")
    closed = report(x=120, y=100)
    Case.objects.filter(pk=closed.pk).update(state=State.CLOSED)
    return near, far, other, closed


def test_only_open_cases_of_the_category_within_50_m(cases):
    near, far, other, closed = cases
    found = list(possible_duplicates(point(100, 100), Category.objects.get(code="0101")))
    assert found == [near]


def test_the_hint_lists_them_with_distance(client, cases):
    near = cases[0]
    p = point(100, 100)
    data = client.get(f"/cases/nearby/?lon={p.x}&lat={p.y}&category=0101").json()
    assert [c["id"] for c in data["cases"]] == [near.pk]
    assert data["cases"][0]["distance_m"] == pytest.approx(30, abs=0.5)
    assert "13812345678" not in str(data)
    assert data["cases"][0]["description"] == ""  # a visitor does not read what others wrote


def test_staff_read_the_start_of_the_description_in_the_hint(client, cases, django_user_model):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("staff", password="x-long-password-1")
    staff.user_permissions.add(Permission.objects.get(codename="view_case"))
    in_test_district(staff)
    client.force_login(staff)
    p = point(100, 100)
    data = client.get(f"/cases/nearby/?lon={p.x}&lat={p.y}&category=0101").json()
    assert data["cases"][0]["description"] == cases[0].description[:60] != ""


def test_the_query_can_use_the_geography_index(cases):
    qs = Case.objects.near(point(100, 100), 50).values("id")
    with connection.cursor() as cur:
        # Statistics left by earlier tests (a table filled, then emptied) must not decide the plan: read them anew.
        cur.execute("ANALYZE cases_case")
        cur.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.query.sql_with_params()
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert "case_location_geog" in plan, plan


def test_adding_to_an_existing_case_instead_of_duplicating(client, cases):
    near = cases[0]
    response = client.post(f"/cases/{near.pk}/add/", {"description": "我也看到了"})
    assert response.status_code == 302
    near.refresh_from_db()
    assert near.reports == 2 and Case.objects.count() == 4
    assert near.events.latest("id").note == "我也看到了"
