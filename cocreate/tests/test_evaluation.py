"""共评: the reporter rates a closed case (a dissatisfied rating reopens it for the dispatcher); households of a
renovation zone rate the finished project once, and final acceptance waits for the satisfaction gate."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from cases import workflow
from cases.models import Case, CaseEvent, State
from cases.tests.factories import dispatcher, in_english, report
from cocreate import evaluation
from cocreate.models import CaseRating, ProjectRating
from cocreate.tests.factories import scene as make_scene

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    s = make_scene(django_user_model)
    s["disp"] = dispatcher(django_user_model)
    return s


def closed(case):
    Case.objects.filter(pk=case.pk).update(state=State.CLOSED, closed_at=case.created_at)
    case.refresh_from_db()
    return case


def test_the_reporter_rates_a_closed_case_once_from_the_tracking_page(client, scene):
    case = closed(report(reporter=scene["resident"]))
    client.force_login(scene["resident"])
    track = client.get(reverse("cases:track", args=[case.token])).content.decode()
    assert reverse("cocreate:rate-case", args=[case.token]) in track
    resp = client.post(reverse("cocreate:rate-case", args=[case.token]), {"level": "satisfied", "note": "很快"})
    assert resp.status_code == 302
    rating = CaseRating.objects.get(case=case)
    assert (rating.level, rating.rater) == ("satisfied", scene["resident"])
    again = client.post(reverse("cocreate:rate-case", args=[case.token]), {"level": "not", "note": "又坏了"})
    assert again.status_code == 200 and "already been rated" in again.content.decode()
    case.refresh_from_db()
    assert case.state == State.CLOSED and CaseRating.objects.filter(case=case).count() == 1


def test_not_satisfied_reopens_the_case_for_the_dispatcher_with_the_note(client, scene):
    case = closed(report(reporter=scene["resident"]))
    with pytest.raises(ValidationError) as exc:
        evaluation.rate_case(case, "not", scene["resident"])
    assert "note" in exc.value.message_dict
    evaluation.rate_case(case, "not", scene["resident"], note="垃圾又堆起来了")
    case.refresh_from_db()
    assert case.state == State.REOPENED
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.actor, event.from_state) == ("contest", scene["resident"], State.CLOSED)
    assert "垃圾又堆起来了" in event.note
    # Back with the dispatcher: dispatching again is what they may do now.
    assert "dispatch" in [t.action for t in workflow.allowed_actions(case, scene["disp"])]


def test_only_the_reporter_rates_and_only_a_closed_case(client, scene, django_user_model):
    case = report(reporter=scene["resident"])
    with pytest.raises(ValidationError):
        evaluation.rate_case(case, "satisfied", scene["resident"])
    closed(case)
    client.force_login(scene["worker"])
    assert client.get(reverse("cocreate:rate-case", args=[case.token])).status_code == 404
    assert (
        client.post(reverse("cocreate:rate-case", args=[case.token]), {"level": "not", "note": "x"}).status_code == 404
    )
    case.refresh_from_db()
    assert case.state == State.CLOSED and not CaseRating.objects.exists()


def test_an_anonymous_reporter_rates_with_the_tracking_address(client, scene):
    case = closed(report())  # no account: a contact phone
    resp = client.post(reverse("cocreate:rate-case", args=[case.token]), {"level": "not", "note": "没修好"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REOPENED and CaseRating.objects.get(case=case).rater is None


# --- the renovation project --------------------------------------------------------------------------------------
@pytest.fixture
def finished(scene):
    from planning.models import Project, Stage
    from planning.tests.factories import zone

    z = zone(50, 50, 250, 250)  # holds the four households of the scene (x 100-160, y 100)
    project = Project.objects.create(zone=z, name="和平小区改造")
    Project.objects.filter(pk=project.pk).update(stage=Stage.ACCEPTANCE)
    project.refresh_from_db()
    return project


def advance_problems(project):
    from planning.models import Stage
    from planning.workflow import gate_problems

    return gate_problems(project, Stage.MAINTENANCE)


def test_households_rate_the_finished_project_once_and_the_gate_holds_final_acceptance(scene, finished):
    hh = scene["households"]
    assert any("No household has rated" in p for p in advance_problems(finished))
    evaluation.rate_project(finished, hh[0], "satisfied")
    evaluation.rate_project(finished, hh[1], "basic")
    evaluation.rate_project(finished, hh[2], "not", note="楼道还是暗")
    with pytest.raises(ValidationError) as exc:
        evaluation.rate_project(finished, hh[0], "not")
    assert "already rated" in str(exc.value)
    assert ProjectRating.objects.filter(project=finished).count() == 3
    # 2 of 3 satisfied: 66.7 % < 80 %
    assert any("66.7 % of the rating households are satisfied" in p for p in advance_problems(finished))
    evaluation.rate_project(finished, hh[3], "satisfied")  # 3 of 4: 75 %
    assert advance_problems(finished)
    with override_settings(COCREATE={"PROJECT_SATISFACTION_GATE_PCT": 75}):
        assert advance_problems(finished) == []


def test_a_project_is_rated_only_in_completion_acceptance_and_by_households_of_its_zone(scene, finished):
    from grids.models import Household
    from grids.tests.factories import point
    from planning.models import Project, Stage

    outside = Household.objects.create(head_name="李四", location=point(700, 600))
    with pytest.raises(ValidationError, match="does not live in the project's zone"):
        evaluation.rate_project(finished, outside, "satisfied")
    Project.objects.filter(pk=finished.pk).update(stage=Stage.CONSTRUCTION)
    finished.refresh_from_db()
    with pytest.raises(ValidationError, match="completion acceptance"):
        evaluation.rate_project(finished, scene["households"][0], "satisfied")
    assert not ProjectRating.objects.exists()


def test_a_resident_rates_for_their_household_on_the_page(client, scene, finished):
    client.force_login(scene["resident"])
    url = reverse("cocreate:rate-project", args=[finished.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"level": "basic", "note": ""})
    assert ProjectRating.objects.get(project=finished).household == scene["households"][0]
    page = client.get(url).content.decode()
    assert "basically satisfied" in page and 'id="rate-form"' not in page


def test_the_notification_of_the_closure_carries_the_rating_link(client, scene):
    case = report(reporter=scene["resident"])
    Case.objects.filter(pk=case.pk).update(state=State.VERIFIED)
    case.refresh_from_db()
    client.force_login(scene["resident"])
    rate = reverse("cocreate:rate-case", args=[case.token])
    assert rate not in client.get(reverse("cases:notifications")).content.decode()  # not before it is closed
    workflow.perform(case, "close", scene["disp"])
    page = client.get(reverse("cases:notifications")).content.decode()
    assert page.count(f'href="{rate}"') == 1
    resp = client.post(rate, {"level": "basic"})
    assert resp.status_code == 302 and CaseRating.objects.get(case=case).level == "basic"
