"""The report page's queue sends a report as JSON with the id the phone gave it: the same id sent again answers the
same case (signed in or not), a report queued under one account is never made under another session, bad values are
400s naming the field, and nothing is made by a refused one."""

import uuid

import pytest
from django.test import Client

from cases.models import Case
from cases.tests.factories import jpeg, place, report_form

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}


def fields(client_id, account="", **kw):
    return report_form(client_id=str(client_id), account=account, **kw)


def test_a_signed_out_report_sent_twice_makes_one_case_with_its_photo(django_user_model):
    place(django_user_model)
    client = Client()
    cid = uuid.uuid4()
    first = client.post("/cases/report/", {**fields(cid), "photos": jpeg()}, **JSON)
    assert first.status_code == 201, first.content
    body = first.json()
    case = Case.objects.get(client_id=cid)
    assert body["id"] == case.pk and body["created"] is True and body["url"] == f"/cases/track/{case.token}/"
    assert case.reporter is None and case.photos.count() == 1
    again = client.post("/cases/report/", {**fields(cid), "photos": jpeg()}, **JSON)
    assert again.status_code == 200 and again.json()["id"] == case.pk and again.json()["created"] is False
    assert Case.objects.count() == 1 and case.photos.count() == 1


def test_a_report_queued_under_one_account_is_not_made_under_another_session(django_user_model):
    _, _, _, worker = place(django_user_model)
    other = django_user_model.objects.create_user("resident", password="x-long-password-1")
    client = Client()
    client.force_login(other)
    refused = client.post("/cases/report/", fields(uuid.uuid4(), account=str(worker.pk)), **JSON)
    assert refused.status_code == 403 and refused.json()["code"] == "account"
    signed_out = client.post("/cases/report/", fields(uuid.uuid4(), account=""), **JSON)  # queued while signed out
    assert signed_out.status_code == 403 and signed_out.json()["code"] == "account"
    assert not Case.objects.exists()
    client.force_login(worker)
    cid = uuid.uuid4()
    made = client.post("/cases/report/", fields(cid, account=str(worker.pk)), **JSON)
    assert made.status_code == 201 and Case.objects.get(client_id=cid).reporter == worker


def test_a_signed_out_report_s_id_is_not_answered_to_an_account(django_user_model):
    _, _, _, worker = place(django_user_model)
    cid = uuid.uuid4()
    assert Client().post("/cases/report/", fields(cid), **JSON).status_code == 201
    client = Client()
    client.force_login(worker)
    taken = client.post("/cases/report/", fields(cid, account=str(worker.pk)), **JSON)
    assert taken.status_code == 400 and "client_id" in taken.json()
    assert Case.objects.count() == 1


def test_bad_values_are_400s_naming_the_field_and_make_nothing(django_user_model):
    place(django_user_model)
    client = Client()
    unknown = client.post("/cases/report/", fields(uuid.uuid4(), category="9999"), **JSON)
    assert unknown.status_code == 400 and "9999" in unknown.json()["category"][0]
    nowhere = client.post("/cases/report/", fields(uuid.uuid4(), lon="", lat=""), **JSON)
    assert nowhere.status_code == 400 and "Locate" in nowhere.json()["non_field_errors"][0]
    bad_id = client.post("/cases/report/", fields("not-a-uuid"), **JSON)
    assert bad_id.status_code == 400 and "client_id" in bad_id.json()
    assert not Case.objects.exists()


def test_the_form_without_the_script_still_reports_and_redirects(django_user_model):
    place(django_user_model)
    data = fields(uuid.uuid4())
    data.pop("account")
    response = Client().post("/cases/report/", data)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/track/{case.token}/"
