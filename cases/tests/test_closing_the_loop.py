"""Closing the loop: the cell's grid worker hears when a case in their cell is reported handled, and a case whose
category says so is closed as soon as it is verified on site (otherwise it waits for a dispatcher)."""

import pytest

from accounts.models import Membership, Role
from cases import workflow
from cases.models import Case, CaseEvent, Notification, State
from cases.tests.factories import in_english, jpeg, place, report
from responsibility.models import Party

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    community, west, east, worker = place(django_user_model)
    dept = Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区环卫所")
    handler = django_user_model.objects.create_user("h1")
    Membership.objects.create(user=handler, role=Role.HANDLER, department="区环卫所")
    return {"worker": worker, "handler": handler, "dept": dept}


def in_progress(scene, **kw):
    case = report(x=100, y=100, **kw)
    Case.objects.filter(pk=case.pk).update(
        state=State.IN_PROGRESS, handler_kind="department", handler_party=scene["dept"], department="区环卫所"
    )
    return case


def test_the_cells_worker_is_told_when_a_case_is_reported_handled(scene):
    case = in_progress(scene)
    workflow.perform(case, "handle", scene["handler"], photos=[jpeg()])
    told = Notification.objects.filter(recipient=scene["worker"], case=case)
    assert told.count() == 1
    assert (
        told.get().message.startswith(f"Case {case.pk} (") and "in your cell was reported handled" in told.get().message
    )
    assert not Notification.objects.filter(recipient=scene["handler"], case=case).exists()


def test_a_case_closes_once_verified_when_its_category_says_so(scene):
    case = in_progress(scene)
    case.category.auto_close = True
    case.category.save()
    workflow.perform(case, "handle", scene["handler"], photos=[jpeg()])
    closed = workflow.perform(case, "verify", scene["worker"])
    assert closed.state == State.CLOSED and closed.closed_at is not None
    steps = list(CaseEvent.objects.filter(case=case).values_list("action", "actor"))
    assert steps[-2:] == [("verify", scene["worker"].pk), ("close", None)]
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.version == closed.version


def test_otherwise_a_verified_case_waits_for_the_dispatcher(scene):
    case = in_progress(scene)
    workflow.perform(case, "handle", scene["handler"], photos=[jpeg()])
    verified = workflow.perform(case, "verify", scene["worker"])
    assert verified.state == State.VERIFIED and verified.closed_at is None
    assert not CaseEvent.objects.filter(case=case, action="close").exists()
