"""A report's category is read as it is now, also when another worker process has just added, deactivated or
deleted it (simulated with plain SQL, which no signal of this process hears)."""

import uuid

import pytest
from django.db import connection
from django.test import Client

from cases.models import Case, Category
from cases.tests.factories import place
from grids.tests.factories import point

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}


def fields(code):
    here = point(120, 300)
    return {
        "kind": "problem",
        "category": code,
        "description": "路边垃圾",
        "lon": here.x,
        "lat": here.y,
        "client_id": str(uuid.uuid4()),
        "account": "",
        "contact_phone": "13812345678",
    }


def spare_category():
    base = Category.objects.get(code="0101")
    return Category.objects.create(
        code="9901",
        name="临时",
        name_en="temp",
        family=base.family,
        deadline_hours=base.deadline_hours,
        department=base.department,
    )


@pytest.mark.django_db(transaction=True)  # committed as in a real request: the deferred FK check runs
def test_a_category_deleted_by_another_process_is_a_400_not_a_500(django_user_model):
    place(django_user_model)
    spare_category()
    assert "9901" in Client().get("/cases/report/").content.decode()
    with connection.cursor() as cur:  # another process deletes it (no case uses it: PROTECT allows it)
        cur.execute("DELETE FROM cases_category WHERE code = '9901'")
    client = Client(raise_request_exception=False)
    response = client.post("/cases/report/", fields("9901"), **JSON)
    assert response.status_code == 400, response.status_code


def test_a_category_deactivated_elsewhere_is_refused(django_user_model):
    place(django_user_model)
    spare_category()
    assert Client().post("/cases/report/", fields("9901"), **JSON).status_code == 201
    Category.objects.filter(code="9901").update(active=False)  # a bulk update (or another process's save)
    response = Client().post("/cases/report/", fields("9901"), **JSON)
    assert response.status_code == 400 and Case.objects.filter(category__code="9901").count() == 1


def test_a_category_added_by_another_process_and_offered_on_the_page_is_accepted(django_user_model):
    place(django_user_model)
    assert Client().post("/cases/report/", fields("0101"), **JSON).status_code == 201
    base = Category.objects.get(code="0101")
    with connection.cursor() as cur:  # the admin adds a category in another worker process
        cur.execute(
            "INSERT INTO cases_category (family_id, code, name, name_en, description, deadline_hours, department,"
            " area_kinds, component, auto_close, active)"
            " SELECT family_id, '9902', '新类别', 'new', '', deadline_hours, department, area_kinds, false, false, true"
            " FROM cases_category WHERE id = %s",
            [base.pk],
        )
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/cases/report/")
    assert "9902" in page.content.decode()  # the form offers it at once
    response = Client().post("/cases/report/", fields("9902"), **JSON)
    assert response.status_code == 201, (response.status_code, response.content)  # the queue drops a 400 for good
