"""A phone sends a report or a step again (a retry after the network came back): the same client id answers the same
case and takes no second step; a signed-in reporter's exact duplicate (same category, within 20 m and 10 minutes)
is refused with the case that exists."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from cases import services, workflow
from cases.models import Case, CaseEvent, Category, State
from cases.tests.factories import in_english, jpeg, place, report
from grids.tests.factories import point

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


def staff_report(user, x=100, y=100, code="0101", client_id=None):
    return services.Report(
        kind=Case.Kind.PROBLEM,
        category=Category.objects.get(code=code),
        description="路边垃圾",
        location=point(x, y),
        reporter=user,
        client_id=client_id,
    )


def test_the_same_client_id_answers_the_same_case(django_user_model):
    _, _, _, worker = place(django_user_model)
    cid = uuid.uuid4()
    first, created = services.submit_once(staff_report(worker, client_id=cid))
    again, created_again = services.submit_once(staff_report(worker, client_id=cid))
    assert created and not created_again
    assert again.pk == first.pk
    assert Case.objects.filter(client_id=cid).count() == 1
    assert CaseEvent.objects.filter(case=first, action="report").count() == 1


def test_a_client_id_of_someone_else_is_refused(django_user_model):
    _, _, _, worker = place(django_user_model)
    other = django_user_model.objects.create_user("other")
    cid = uuid.uuid4()
    services.submit_once(staff_report(worker, client_id=cid))
    with pytest.raises(ValidationError) as exc:
        services.submit_once(staff_report(other, x=400, client_id=cid))
    assert "client_id" in exc.value.message_dict
    assert Case.objects.count() == 1


def test_an_exact_duplicate_is_refused_with_the_existing_case(django_user_model):
    _, _, _, worker = place(django_user_model)
    first = services.submit(staff_report(worker))
    with pytest.raises(services.DuplicateReport) as exc:
        services.submit(staff_report(worker, x=112))  # 12 m away, same category, a moment later
    assert exc.value.case.pk == first.pk
    assert f"case {first.pk}" in exc.value.message_dict["category"][0]
    assert Case.objects.count() == 1


def test_not_a_duplicate_farther_than_20_m_later_than_10_minutes_or_another_category(django_user_model):
    _, _, _, worker = place(django_user_model)
    first = services.submit(staff_report(worker))
    services.submit(staff_report(worker, x=125))  # 25 m away
    services.submit(staff_report(worker, code="0102"))  # another category
    Case.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(minutes=11))
    Case.objects.exclude(pk=first.pk).delete()
    services.submit(staff_report(worker))  # the first one is 11 minutes old
    assert Case.objects.count() == 2


def test_anonymous_reports_are_not_refused_as_duplicates(django_user_model):
    place(django_user_model)
    report(x=100, y=100)
    report(x=105, y=100)
    assert Case.objects.count() == 2


def test_a_verification_sent_twice_is_taken_once(django_user_model):
    _, _, _, worker = place(django_user_model)
    case = report(x=100, y=100)
    Case.objects.filter(pk=case.pk).update(state=State.HANDLED)
    cid = uuid.uuid4()
    workflow.perform(case, "verify", worker, photos=[jpeg()], client_id=cid)
    again = workflow.perform(case, "verify", worker, photos=[jpeg()], client_id=cid)
    assert again.state == State.VERIFIED
    assert CaseEvent.objects.filter(case=case, action="verify").count() == 1
    assert case.photos.count() == 1
    # The same id for another step is refused, nothing taken.
    with pytest.raises(workflow.TransitionError):
        workflow.perform(case, "close", worker, client_id=cid)
