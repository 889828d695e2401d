"""The field workspace's server side: the sync API (sessions + CSRF, the same id answers the same case, exact
duplicates refused with the existing case), what the phone keeps for offline use, the inbox and its badge, the
service worker's scope and the manifest."""

import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts import policy
from cases.models import Case, CaseEvent, State
from cases.tests.factories import in_english, jpeg, place, report
from field import inbox
from grids.tests.factories import point

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    community, west, east, worker = place(django_user_model)
    return {"west": west, "east": east, "worker": worker}


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/field/")  # sets the CSRF cookie, as the workspace does
    return client, client.cookies["csrftoken"].value


def send_report(client, token, cid, x=100, y=100, code="0101", **extra):
    here = point(x, y)
    data = {"client_id": str(cid), "category": code, "lon": here.x, "lat": here.y, **extra}
    return client.post("/field/api/report/", data, HTTP_X_CSRFTOKEN=token)


def test_a_report_sent_twice_makes_one_case(scene):
    client, token = csrf_client(scene["worker"])
    cid = uuid.uuid4()
    first = send_report(client, token, cid, photos=[jpeg()])
    assert first.status_code == 201, first.content
    again = send_report(client, token, cid, photos=[jpeg()])
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and again.json()["created"] is False
    case = Case.objects.get()
    assert case.client_id == cid and case.source == "field" and case.cell == scene["west"]
    assert case.photos.count() == 1
    assert case.description == str(case.category)  # no words needed from staff: the category says what it is


def test_the_sync_api_needs_the_csrf_token_and_a_session(scene):
    client, _token = csrf_client(scene["worker"])
    refused = send_report(client, "wrong-token", uuid.uuid4())
    assert refused.status_code == 403
    anonymous = Client(enforce_csrf_checks=False)
    assert send_report(anonymous, "", uuid.uuid4()).status_code == 403
    assert not Case.objects.exists()


def test_an_exact_duplicate_answers_409_with_the_existing_case(scene):
    client, token = csrf_client(scene["worker"])
    first = send_report(client, token, uuid.uuid4()).json()
    dup = send_report(client, token, uuid.uuid4(), x=110)
    assert dup.status_code == 409
    assert dup.json()["case"]["id"] == first["id"]
    assert dup.json()["case"]["url"] == f"/cases/{first['id']}/"
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "field,value",
    [("category", "9999"), ("lon", "abc"), ("client_id", "not-a-uuid"), ("lat", "95")],
)
def test_bad_reports_are_400_naming_the_field(scene, field, value):
    client, token = csrf_client(scene["worker"])
    here = point(100, 100)
    data = {"client_id": str(uuid.uuid4()), "category": "0101", "lon": here.x, "lat": here.y, field: value}
    resp = client.post("/field/api/report/", data, HTTP_X_CSRFTOKEN=token)
    assert resp.status_code == 400
    assert field in resp.json()
    assert not Case.objects.exists()


def test_a_verification_sent_twice_is_one_step(scene):
    case = report(x=100, y=100)
    Case.objects.filter(pk=case.pk).update(state=State.HANDLED)
    client, token = csrf_client(scene["worker"])
    cid = str(uuid.uuid4())
    url = f"/field/api/cases/{case.pk}/verify/"
    first = client.post(url, {"client_id": cid, "photos": [jpeg()]}, HTTP_X_CSRFTOKEN=token)
    again = client.post(url, {"client_id": cid, "photos": [jpeg()]}, HTTP_X_CSRFTOKEN=token)
    assert first.status_code == 200 and again.status_code == 200, first.content
    assert again.json()["state"] == State.VERIFIED
    assert CaseEvent.objects.filter(case=case, action="verify").count() == 1
    # Sending back needs a reason; the workflow's refusal comes back with its message.
    other = report(x=150, y=100)
    Case.objects.filter(pk=other.pk).update(state=State.HANDLED)
    resp = client.post(
        f"/field/api/cases/{other.pk}/fail/",
        {"client_id": str(uuid.uuid4())},
        HTTP_X_CSRFTOKEN=token,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 400 and "note" in resp.json()["detail"]


def test_a_case_outside_the_workers_cells_answers_404(scene):
    case = report(x=700, y=100)  # the east cell: not the worker's
    Case.objects.filter(pk=case.pk).update(state=State.HANDLED)
    client, token = csrf_client(scene["worker"])
    resp = client.post(f"/field/api/cases/{case.pk}/verify/", {"client_id": str(uuid.uuid4())}, HTTP_X_CSRFTOKEN=token)
    assert resp.status_code == 404
    assert Case.objects.get(pk=case.pk).state == State.HANDLED


def test_the_phone_keeps_the_workers_cells_and_what_waits_most_urgent_first(scene):
    now = timezone.now()
    to_verify = report(x=100, y=100)
    late = report(x=200, y=100, code="0102")
    open_one = report(x=300, y=100, code="0103")
    elsewhere = report(x=700, y=100)
    Case.objects.filter(pk=to_verify.pk).update(state=State.HANDLED, deadline_at=now + timedelta(hours=5))
    Case.objects.filter(pk=late.pk).update(state=State.HANDLED, deadline_at=now - timedelta(hours=2))
    Case.objects.filter(pk=elsewhere.pk).update(state=State.HANDLED)
    client = Client()
    client.force_login(scene["worker"])
    data = client.get("/field/data.json").json()
    assert [f["properties"]["code"] for f in data["cells"]["features"]] == [scene["west"].code]
    assert [t["id"] for t in data["tasks"]] == [late.pk, to_verify.pk]
    assert data["tasks"][0]["overdue"] and not data["tasks"][1]["overdue"]
    assert data["tasks"][0]["actions"] == ["verify", "fail"]
    assert [c["id"] for c in data["cases"]] == [open_one.pk]
    assert inbox.badge_count(scene["worker"]) == 2


def test_the_badge_is_a_few_count_queries_kept_briefly(scene, django_assert_max_num_queries):
    case = report(x=100, y=100)
    Case.objects.filter(pk=case.pk).update(state=State.HANDLED)
    inbox.forget_badge(scene["worker"])
    policy.grants_of(scene["worker"])  # read once per request by the page's own access checks
    # The cases in at most six queries (a COUNT per branch, each one an index answers, and the user's parties and
    # departments), one for the unread notifications, and two for each other source (inspections due): bounded,
    # whatever the number of cases or items.
    with django_assert_max_num_queries(6 + 1 + 2 * len(inbox.COUNTERS)):
        assert inbox.badge_count(scene["worker"]) == 1
    with django_assert_max_num_queries(0):
        assert inbox.badge_count(scene["worker"]) == 1


def test_a_case_found_by_its_number(scene):
    case = report(x=100, y=100)
    client = Client()
    client.force_login(scene["worker"])
    found = client.get("/field/search/", {"q": case.number}).json()["cases"]
    assert [c["id"] for c in found] == [case.pk]
    wrong_day = "19990101" + case.number[8:]
    assert client.get("/field/search/", {"q": wrong_day}).json()["cases"] == []
    outside = report(x=700, y=100)
    assert client.get("/field/search/", {"q": outside.number}).json()["cases"] == []


def test_the_service_worker_covers_the_site_and_the_manifest_opens_the_workspace(client):
    sw = client.get("/field/sw.js")
    assert sw.status_code == 200 and sw["Service-Worker-Allowed"] == "/"
    assert sw["Content-Type"].startswith("application/javascript")
    body = sw.content.decode()
    assert "/static/vendor/workbox-sw/workbox-sw.js" in body and "/cases/report/" in body
    manifest = json.loads(client.get("/field/manifest.webmanifest").content)
    assert manifest["start_url"] == "/field/" and manifest["display"] == "standalone"
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found and Image.open(found).size == tuple(int(n) for n in icon["sizes"].split("x"))


def test_every_staff_page_shows_how_many_cases_wait(scene, client):
    case = report(x=100, y=100)
    Case.objects.filter(pk=case.pk).update(state=State.HANDLED)
    client.force_login(scene["worker"])
    html = client.get("/cases/").content.decode()
    assert 'id="nav-field-count">1</span>' in html
    inbox.forget_badge(scene["worker"])
    Case.objects.filter(pk=case.pk).update(state=State.VERIFIED)
    html = client.get("/cases/").content.decode()
    assert 'href="/field/"' in html and "nav-field-count" not in html


def test_an_item_made_under_another_account_is_refused_and_nothing_is_recorded(scene, django_user_model):
    """A page kept on a shared phone from before another sign-in sends the account its items were made under."""
    client, token = csrf_client(scene["worker"])
    other = send_report(client, token, uuid.uuid4(), account=str(scene["worker"].pk + 1000))
    assert other.status_code == 403 and other.json()["code"] == "account" and not Case.objects.exists()
    signed_out = send_report(client, token, uuid.uuid4(), account="")
    assert signed_out.status_code == 403 and not Case.objects.exists()
    mine = send_report(client, token, uuid.uuid4(), account=str(scene["worker"].pk))
    assert mine.status_code == 201 and Case.objects.count() == 1, mine.content
    case = report(x=100, y=300)
    Case.objects.filter(pk=case.pk).update(state=State.HANDLED)
    verify = client.post(
        f"/field/api/cases/{case.pk}/verify/",
        {"client_id": str(uuid.uuid4()), "account": str(scene["worker"].pk + 1000)},
        HTTP_X_CSRFTOKEN=token,
    )
    assert verify.status_code == 403 and verify.json()["code"] == "account"
    assert not CaseEvent.objects.filter(case=case, action="verify").exists()
