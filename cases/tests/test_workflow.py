"""The state machine: every legal step, every illegal one, who may act, notes and photos, deadlines and the
on-time closure rate, and two people acting at once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Membership, Role
from cases import services, workflow
from cases.models import Case, CaseEvent, Notification, State
from cases.tests.factories import dispatcher, in_english, jpeg, place, report
from cases.workflow import TRANSITIONS, Handler, TransitionError
from responsibility.models import Party

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    community, west, east, worker = place(django_user_model)
    disp = dispatcher(django_user_model)
    dept = Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区环卫所")
    handler = django_user_model.objects.create_user("h1", first_name="环卫员")
    Membership.objects.create(user=handler, role=Role.HANDLER, department="区环卫所")
    return {"west": west, "worker": worker, "disp": disp, "dept": dept, "handler": handler}


def actor_for(t, s):
    # The reporter of the cases these tests make is the grid worker (report(reporter=scene["worker"])).
    return {"dispatcher": s["disp"], "handler": s["handler"], "verifier": s["worker"], "reporter": s["worker"]}[
        t.roles[0]
    ]


def put_in(case, state, s):
    """Put a case in a state directly (with its handler set), to try one step from there."""
    Case.objects.filter(pk=case.pk).update(
        state=state, handler_kind="department", handler_party=s["dept"], department="区环卫所"
    )
    case.refresh_from_db()
    return case


def kwargs_for(t, s):
    kw = {}
    if t.note_required:
        kw["note"] = "理由"
    if t.photos_required:
        kw["photos"] = [jpeg()]
    if t.needs_handler:
        kw["handler"] = Handler("department", party=s["dept"])
    return kw


LEGAL = [(a, src) for a, t in TRANSITIONS.items() for src in t.sources]
ILLEGAL = [(a, st) for a, t in TRANSITIONS.items() for st in State.values if st not in t.sources]


@pytest.mark.parametrize("action,source", LEGAL)
def test_every_legal_step_moves_the_case_and_records_who_when_note_photos(scene, action, source):
    t = TRANSITIONS[action]
    case = put_in(report(reporter=scene["worker"]), source, scene)
    version = case.version
    by = actor_for(t, scene)
    done = workflow.perform(case, action, by, expected_version=version, **kwargs_for(t, scene))
    assert done.state == t.target and done.version == version + 1
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.from_state, event.to_state, event.actor) == (action, source, t.target, by)
    assert event.at is not None
    if t.note_required:
        assert event.note == "理由"
    assert event.photos.count() == (1 if t.photos_required else 0)


@pytest.mark.parametrize("action,state", ILLEGAL)
def test_every_illegal_step_is_refused_with_a_clear_message_and_nothing_changes(scene, action, state):
    t = TRANSITIONS[action]
    case = put_in(report(), state, scene)
    events = CaseEvent.objects.count()
    with pytest.raises(TransitionError) as exc:
        workflow.perform(case, action, actor_for(t, scene), **kwargs_for(t, scene))
    assert exc.value.code == "illegal"
    assert str(State(state).label) in exc.value.message and str(t.label) in exc.value.message
    case.refresh_from_db()
    assert case.state == state and CaseEvent.objects.count() == events


def test_only_the_right_people_take_each_step(scene, django_user_model):
    stranger = django_user_model.objects.create_user("x")
    case = report()
    with pytest.raises(TransitionError) as exc:
        workflow.perform(case, "register", stranger)
    assert exc.value.code == "forbidden"
    workflow.perform(case, "register", scene["disp"])
    workflow.perform(case, "dispatch", scene["disp"], handler=Handler("department", party=scene["dept"]))
    with pytest.raises(TransitionError):
        workflow.perform(case, "start", scene["disp"])  # the dispatcher is not the handler
    workflow.perform(case, "start", scene["handler"])  # a member of the department's group is
    case.refresh_from_db()
    assert [t.action for t in workflow.allowed_actions(case, scene["handler"])] == ["handle"]
    assert workflow.allowed_actions(case, scene["worker"]) == []


def test_reject_needs_a_reason_and_handled_needs_an_after_photo(scene):
    case = report()
    with pytest.raises(TransitionError, match="note"):
        workflow.perform(case, "reject", scene["disp"], note="  ")
    put_in(case, State.IN_PROGRESS, scene)
    with pytest.raises(TransitionError, match="photo"):
        workflow.perform(case, "handle", scene["handler"])
    with pytest.raises(TransitionError, match="1000"):
        workflow.perform(case, "handle", scene["handler"], note="字" * 1001, photos=[jpeg()])
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and not case.photos.filter(event__action="handle").exists()


def test_stale_version_is_refused(scene):
    case = report()
    workflow.perform(case, "register", scene["disp"], expected_version=1)
    with pytest.raises(TransitionError) as exc:
        workflow.perform(case, "reject", scene["disp"], note="重复", expected_version=1)
    assert exc.value.code == "conflict"


def test_the_deadline_clock_starts_at_dispatch(scene):
    case = report(code="0501")  # 井盖缺损: 4 hours
    assert case.time_left() is None and not case.is_overdue()
    workflow.perform(case, "register", scene["disp"])
    t0 = timezone.now() - timedelta(hours=5)
    case = workflow.perform(case, "dispatch", scene["disp"], handler=Handler("department", party=scene["dept"]), now=t0)
    assert case.dispatched_at == t0 and case.deadline_at == t0 + timedelta(hours=4)
    assert case.time_left(t0 + timedelta(hours=1)) == timedelta(hours=3)
    assert not case.is_overdue(t0 + timedelta(hours=3, minutes=59))
    assert case.is_overdue()  # 5 hours after dispatch
    assert list(Case.objects.overdue()) == [case]
    assert list(Case.objects.overdue(t0 + timedelta(hours=2))) == []


def walk_to_closed(case, s, at, hours_to_close):
    workflow.perform(case, "register", s["disp"], now=at)
    workflow.perform(case, "dispatch", s["disp"], handler=Handler("department", party=s["dept"]), now=at)
    workflow.perform(case, "start", s["handler"], now=at)
    workflow.perform(case, "handle", s["handler"], photos=[jpeg()], now=at + timedelta(hours=hours_to_close - 1))
    workflow.perform(case, "verify", s["worker"], now=at + timedelta(hours=hours_to_close - 0.5))
    return workflow.perform(case, "close", s["disp"], now=at + timedelta(hours=hours_to_close))


def test_on_time_closure_rate_per_grid_worker_and_department(scene):
    west = scene["west"]
    t0 = timezone.now() - timedelta(days=10)
    on_time = walk_to_closed(report(x=100), scene, t0, 10)  # 暴露垃圾: 24 h
    late = walk_to_closed(report(x=200), scene, t0, 30)
    assert on_time.closed_on_time() and not late.closed_on_time()
    overdue = report(x=300)
    workflow.perform(overdue, "register", scene["disp"])
    workflow.perform(overdue, "dispatch", scene["disp"], handler=Handler("department", party=scene["dept"]), now=t0)
    running = report(x=400)
    workflow.perform(running, "register", scene["disp"])
    workflow.perform(running, "dispatch", scene["disp"], handler=Handler("department", party=scene["dept"]))
    report(x=700)  # east cell, never dispatched: not counted
    by_grid = {r["cell__code"]: r for r in services.on_time_rates("grid")}
    assert set(by_grid) == {west.code}
    row = by_grid[west.code]
    # due: two closed + one overdue; the running one is not due yet; one of the three was on time.
    assert (row["total"], row["due"], row["on_time"], row["overdue"]) == (4, 3, 1, 1)
    assert row["rate"] == pytest.approx(100 / 3)
    by_worker = list(services.on_time_rates("worker"))
    assert [(r["grid_worker__username"], r["due"], r["on_time"]) for r in by_worker] == [("gw", 3, 1)]
    by_dept = list(services.on_time_rates("department"))
    assert [(r["department"], r["rate"]) for r in by_dept] == [("区环卫所", pytest.approx(100 / 3))]


def test_notifications_go_to_the_handler_on_dispatch_and_to_the_reporter_on_each_change(scene, django_user_model):
    resident = django_user_model.objects.create_user("resident")
    case = report(reporter=resident)
    workflow.perform(case, "register", scene["disp"])
    workflow.perform(case, "dispatch", scene["disp"], handler=Handler("department", party=scene["dept"]))
    assert Notification.objects.filter(recipient=scene["handler"], case=case).count() == 1
    assert Notification.objects.filter(recipient=resident, case=case).count() == 2
    assert Notification.objects.filter(recipient=scene["disp"]).count() == 0  # never the one who acted


@pytest.mark.django_db(transaction=True)
def test_two_people_acting_at_once_cannot_both_win(django_user_model):
    community, west, east, worker = place(django_user_model)
    a, b = dispatcher(django_user_model, "a"), dispatcher(django_user_model, "b")
    case = report()
    barrier = threading.Barrier(2)
    outcome = {}

    def act(user, action, note):
        try:
            barrier.wait()
            workflow.perform(case.pk, action, user, note=note, expected_version=1)
            outcome[user.username] = "won"
        except TransitionError as exc:
            outcome[user.username] = exc.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(a, "register", "")),
        threading.Thread(target=act, args=(b, "reject", "不予立案")),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcome.values()) == ["conflict", "won"]
    case.refresh_from_db()
    winner = next(u for u, o in outcome.items() if o == "won")
    assert case.state == (State.REGISTERED if winner == "a" else State.REJECTED)
    assert case.version == 2 and case.events.exclude(action="report").count() == 1


def test_a_case_sent_on_to_another_handler_keeps_its_deadline_and_reaches_the_new_one(scene, django_user_model):
    case = report(code="0501")  # 4 hours
    workflow.perform(case, "register", scene["disp"])
    t0 = timezone.now() - timedelta(hours=1)
    case = workflow.perform(case, "dispatch", scene["disp"], handler=Handler("department", party=scene["dept"]), now=t0)
    workflow.perform(case, "start", scene["handler"])
    # the department finds it is not theirs: the dispatcher sends it on to a named person
    other = django_user_model.objects.create_user("h2", first_name="维修工")
    case = workflow.perform(case, "dispatch", scene["disp"], handler=Handler("worker", user=other), note="不属环卫")
    assert case.state == State.DISPATCHED and case.handler_user == other and case.department == ""
    assert case.dispatched_at == t0 and case.deadline_at == t0 + timedelta(hours=4)  # reassigning buys no time
    assert Notification.objects.filter(case=case, recipient=other).exists()
    with pytest.raises(TransitionError):
        workflow.perform(case, "start", scene["handler"])  # the first department no longer handles it
    workflow.perform(case, "start", other)


def test_the_handler_does_not_verify_their_own_work(scene):
    case = report()
    workflow.perform(case, "register", scene["disp"])
    # the grid worker of the cell handles it: someone else has to check it on site
    workflow.perform(case, "dispatch", scene["disp"], handler=Handler("worker", user=scene["worker"]))
    workflow.perform(case, "start", scene["worker"])
    workflow.perform(case, "handle", scene["worker"], photos=[jpeg()])
    case.refresh_from_db()
    with pytest.raises(TransitionError) as exc:
        workflow.perform(case, "verify", scene["worker"])
    assert exc.value.code == "forbidden"
    assert "verify" not in [t.action for t in workflow.allowed_actions(case, scene["worker"])]


def test_sending_a_case_on_checks_the_version_like_every_step(client, scene, django_user_model):
    """改派 from the case page names the version it was made on: a stale page, or none, changes nothing."""
    case = report(code="0501")
    workflow.perform(case, "register", scene["disp"])
    case = workflow.perform(case, "dispatch", scene["disp"], handler=Handler("department", party=scene["dept"]))
    other = django_user_model.objects.create_user("h2", first_name="维修工")
    stale = case.version - 1
    client.force_login(scene["disp"])
    for version in (stale, "", "x"):
        client.post(f"/cases/{case.pk}/act/dispatch/", {"handler_other": f"user:{other.pk}", "version": version})
        case.refresh_from_db()
        assert case.handler_party == scene["dept"] and case.handler_user is None, version
    client.post(f"/cases/{case.pk}/act/dispatch/", {"handler_other": f"user:{other.pk}", "version": case.version})
    case.refresh_from_db()
    assert case.handler_user == other
