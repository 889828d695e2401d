"""The inbox beyond the worker's own steps: a verified case whose category does not close it by itself waits in the
inbox of those who may close it in its area (the dispatcher), who closes it from the phone; a case whose category
closes it never lands there; the user's unread notifications are listed with what waits."""

import uuid

import pytest
from django.test import Client

from accounts.models import Membership, Role
from cases import workflow
from cases.models import Case, Notification, State
from cases.tests.factories import dispatcher, in_english, jpeg, place, report
from field import inbox
from grids.tests.factories import make_cells, make_community
from responsibility.models import Party

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    community, west, east, worker = place(django_user_model)
    Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区环卫所")
    handler = django_user_model.objects.create_user("h1")
    Membership.objects.create(user=handler, role=Role.HANDLER, department="区环卫所")
    return {"worker": worker, "handler": handler, "dispatcher": dispatcher(django_user_model), "community": community}


def verified(scene, x=100, auto_close=False):
    case = report(x=x, y=100)
    case.category.auto_close = auto_close
    case.category.save()
    Case.objects.filter(pk=case.pk).update(
        state=State.IN_PROGRESS,
        handler_kind="department",
        handler_party=Party.objects.get(name="区环卫所"),
        department="区环卫所",
    )
    workflow.perform(case, "handle", scene["handler"], photos=[jpeg()])
    return workflow.perform(case, "verify", scene["worker"])


def test_a_verified_case_waits_for_the_dispatcher_who_closes_it_from_the_phone(scene):
    case = verified(scene)
    assert case.state == State.VERIFIED
    rows = {r["id"]: r for r in inbox.inbox(scene["dispatcher"])}
    assert rows[case.pk]["task"] == "close" and rows[case.pk]["actions"] == ["close"]
    assert case.pk not in {r["id"] for r in inbox.inbox(scene["worker"])}  # the worker does not close

    worker = Client()
    worker.force_login(scene["worker"])
    data = {"client_id": str(uuid.uuid4())}
    assert worker.post(f"/field/api/cases/{case.pk}/close/", data).status_code == 403
    client = Client()
    client.force_login(scene["dispatcher"])
    resp = client.post(f"/field/api/cases/{case.pk}/close/", data)
    assert resp.status_code == 200, resp.content
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert case.pk not in {r["id"] for r in inbox.inbox(scene["dispatcher"])}


def test_a_case_its_category_closes_and_one_outside_the_area_are_not_in_the_dispatcher_s_inbox(
    scene, django_user_model
):
    closed = verified(scene, auto_close=True)
    assert closed.state == State.CLOSED
    assert inbox.inbox(scene["dispatcher"]) == []
    # A dispatcher of another street's community does not see this district's verified case.
    other = make_community(code="002")
    make_cells(other, 1, 1)
    far = django_user_model.objects.create_user("far")
    Membership.objects.create(user=far, role=Role.DISPATCHER, community=other)
    verified(scene, x=300)
    assert inbox.inbox(far) == []


def test_unread_notifications_are_listed_in_the_inbox(scene):
    case = report(x=100, y=100)
    Notification.objects.create(recipient=scene["worker"], case=case, message="案件已处置")
    Notification.objects.create(recipient=scene["worker"], case=case, message="旧消息", read_at=case.created_at)
    client = Client()
    client.force_login(scene["worker"])
    notes = client.get("/field/data.json").json()["notes"]
    assert [(n["message"], n["case"], n["number"]) for n in notes] == [("案件已处置", case.pk, case.number)]


def test_the_badge_counts_what_the_inbox_lists_to_close_and_to_read(scene):
    case = verified(scene)
    inbox.forget_badge(scene["dispatcher"])
    assert inbox.badge_count(scene["dispatcher"]) == len(inbox.inbox(scene["dispatcher"])) == 1
    assert inbox.inbox(scene["dispatcher"])[0]["id"] == case.pk
    inbox.forget_badge(scene["worker"])
    before = inbox.badge_count(scene["worker"])
    Notification.objects.create(recipient=scene["worker"], case=case, message="处理完毕")
    assert inbox.badge_count(scene["worker"]) == before  # kept a minute
    inbox.forget_badge(scene["worker"])
    assert inbox.badge_count(scene["worker"]) == before + 1
