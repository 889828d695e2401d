"""The case flow as a state machine with an explicit transition table.

    reported ─register→ registered ─dispatch→ dispatched ─start→ in_progress ─handle→ handled ─verify→ verified
    reported ─reject→ rejected                       handled ─fail (返工)→ dispatched
    verified ─close→ closed ─reopen (反弹)→ reopened ─dispatch→ dispatched
    closed ─contest (the reporter is not satisfied)→ reopened, for the dispatcher's review

Every step is one transaction: the case row is locked (SELECT … FOR UPDATE) and its version checked, so of two
people acting on the same case at once exactly one wins; the other is told the case changed under them.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from cases import signals
from cases.models import Case, CaseEvent, Notification, State

DISPATCHER, HANDLER, VERIFIER, REPORTER = "dispatcher", "handler", "verifier", "reporter"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple
    target: str
    roles: tuple
    label: object
    note_required: bool = False
    photos_required: bool = False
    needs_handler: bool = False
    danger: bool = False


TRANSITIONS = {
    t.action: t
    for t in [
        Transition("register", (State.REPORTED,), State.REGISTERED, (DISPATCHER,), gettext_lazy("Register (立案)")),
        Transition(
            "reject",
            (State.REPORTED,),
            State.REJECTED,
            (DISPATCHER,),
            gettext_lazy("Reject (不予立案)"),
            note_required=True,
            danger=True,
        ),
        Transition(
            "dispatch",
            # Also again to another handler: a wrong routing found by the handler, or work sent back by the verifier.
            (State.REGISTERED, State.REOPENED, State.DISPATCHED, State.IN_PROGRESS),
            State.DISPATCHED,
            (DISPATCHER,),
            gettext_lazy("Dispatch (派遣)"),
            needs_handler=True,
        ),
        Transition("start", (State.DISPATCHED,), State.IN_PROGRESS, (HANDLER,), gettext_lazy("Start work")),
        Transition(
            "handle",
            (State.IN_PROGRESS,),
            State.HANDLED,
            (HANDLER,),
            gettext_lazy("Report handled (处置反馈)"),
            photos_required=True,
        ),
        Transition("verify", (State.HANDLED,), State.VERIFIED, (VERIFIER,), gettext_lazy("Verified on site (核查)")),
        Transition(
            "fail",
            (State.HANDLED,),
            State.DISPATCHED,
            (VERIFIER,),
            gettext_lazy("Verification failed: back to the handler (返工)"),
            note_required=True,
            danger=True,
        ),
        Transition("close", (State.VERIFIED,), State.CLOSED, (DISPATCHER,), gettext_lazy("Close (结案)")),
        Transition(
            "reopen",
            (State.CLOSED,),
            State.REOPENED,
            (DISPATCHER, VERIFIER),
            gettext_lazy("Reopen: the problem is back (反弹)"),
            note_required=True,
            danger=True,
        ),
        # The reporter rates the closed case "not satisfied" (cocreate.evaluation): back to the dispatcher.
        Transition(
            "contest",
            (State.CLOSED,),
            State.REOPENED,
            (REPORTER,),
            gettext_lazy("Reporter not satisfied: reopened for review"),
            note_required=True,
            danger=True,
        ),
    ]
}
EXTRA_ACTIONS = {"report": gettext_lazy("Reported (上报)"), "add": gettext_lazy("Reported again by someone else")}


def action_label(action):
    t = TRANSITIONS.get(action)
    return t.label if t else EXTRA_ACTIONS.get(action, action)


class TransitionError(Exception):
    """A refused step, with a message for the person who tried it. code: illegal | forbidden | conflict | invalid."""

    def __init__(self, message, code="illegal"):
        super().__init__(message)
        self.message, self.code = str(message), code


@dataclass
class Handler:
    """Who a case is dispatched to: a department (party), a worker (user) or a responsible party."""

    kind: str
    party: object = None
    user: object = None

    @property
    def label(self):
        if self.user is not None:
            return self.user.get_full_name() or self.user.username
        return self.party.label if self.party is not None else ""


# --- who may do what ---------------------------------------------------------------------------------------
def handler_users(case):
    """The people who act for the case's handler: the person, the party's user, or the department's group."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if case.handler_user_id:
        return User.objects.filter(pk=case.handler_user_id)
    party = case.handler_party
    if party is None:
        return User.objects.none()
    if party.user_id:
        return User.objects.filter(pk=party.user_id)
    if party.kind != "department":
        return User.objects.none()
    return policy.department_handlers(party.name)  # a department acts through its handlers


def has_role(user, case, role, token=None):
    if role == REPORTER:
        # The account that reported, or whoever holds the tracking address of an anonymous report.
        if case.reporter_id:
            return bool(user and user.is_authenticated and user.pk == case.reporter_id)
        return bool(token) and token == case.token
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if role == DISPATCHER:
        # Dispatchers and managers of the case's area (accounts.policy), not of the whole city.
        return policy.allows(user, "cases.dispatch_case", case)
    if role == VERIFIER:
        # Whoever handled the case does not check their own work on site.
        if handler_users(case).filter(pk=user.pk).exists():
            return False
        return policy.allows(user, "cases.verify_case", case)
    if role == HANDLER:
        return handler_users(case).filter(pk=user.pk).exists()
    return False


def allowed_actions(case, user):
    """The transitions the user may take on the case now (what the detail page offers)."""
    # The reporter's step is taken by rating the case (cocreate.evaluation), not from the staff page.
    return [
        t
        for t in TRANSITIONS.values()
        if case.state in t.sources and any(has_role(user, case, r) for r in t.roles if r != REPORTER)
    ]


def illegal_message(case, t):
    legal = [str(x.label) for x in TRANSITIONS.values() if case.state in x.sources]
    return _("“%(action)s” is not possible for a case that is %(state)s. From %(state)s: %(legal)s.") % {
        "action": t.label,
        "state": State(case.state).label,
        "legal": "; ".join(legal) or _("no further steps"),
    }


# --- the step itself ---------------------------------------------------------------------------------------
def perform(
    case,
    action,
    user,
    *,
    note="",
    photos=(),
    handler=None,
    expected_version=None,
    now=None,
    household=None,
    client_id=None,
    token=None,
):
    """Take one step of the flow. Returns the refreshed case; raises TransitionError (nothing saved) when refused.

    `client_id`: the id a phone gave the step when it was made (maybe offline); a step sent again with the same id
    is not taken twice: the case is answered as it is."""
    from cases.photos import check_photos, keep_for_processing

    t = TRANSITIONS.get(action)
    if t is None:
        raise TransitionError(_("Unknown action “%(action)s”.") % {"action": action}, "illegal")
    note = (note or "").strip()
    if len(note) > 1000:
        raise TransitionError(
            _("The note has %(n)s characters; at most 1000 are accepted.") % {"n": len(note)}, "invalid"
        )
    if t.note_required and not note:
        raise TransitionError(_("“%(action)s” needs a note saying why.") % {"action": t.label}, "invalid")
    try:
        images = check_photos(photos)  # from their headers; the worker re-encodes them (cases/photos.py)
    except ValidationError as exc:
        raise TransitionError(exc.messages[0], "invalid")
    if t.photos_required and not images:
        raise TransitionError(
            _("“%(action)s” needs at least one photo of the result.") % {"action": t.label}, "invalid"
        )
    if t.needs_handler and (handler is None or (handler.party is None and handler.user is None)):
        raise TransitionError(_("Choose who handles the case."), "invalid")
    now = now or timezone.now()
    pk = case.pk if isinstance(case, Case) else case
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("category", "handler_party").get(pk=pk)
        if client_id is not None:
            # The steps table is partitioned, so client_id cannot be UNIQUE there: one step id at a time, whatever
            # the case (the lock is the transaction's).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 19))", [str(client_id)])
            taken = CaseEvent.objects.filter(client_id=client_id).values_list("case_id", "action").first()
            if taken == (case.pk, action):
                return case
            if taken is not None:
                raise TransitionError(_("This step's id was already used for another step."), "invalid")
        if expected_version is not None and int(expected_version) != case.version:
            raise TransitionError(
                _("Someone else changed this case in the meantime (it is now %(state)s); reload it and try again.")
                % {"state": State(case.state).label},
                "conflict",
            )
        if case.state not in t.sources:
            raise TransitionError(illegal_message(case, t), "illegal")
        if not any(has_role(user, case, r, token) for r in t.roles):
            raise TransitionError(
                _("You may not “%(action)s” this case.") % {"action": t.label},
                "forbidden",
            )
        from_state = case.state
        case.state = t.target
        case.version += 1
        if action == "dispatch":
            case.handler_kind = handler.kind
            case.handler_party = handler.party
            case.handler_user = handler.user
            party = handler.party
            case.department = party.name if party is not None and party.kind == "department" else ""
            if from_state in (State.REGISTERED, State.REOPENED) or case.dispatched_at is None:
                case.dispatched_at = now
                case.deadline_at = now + timedelta(hours=case.category.deadline_hours)
            # A case sent on to another handler (改派) keeps its dispatch time and deadline: reassigning buys no time.
            case.closed_at = None
        elif action == "close":
            case.closed_at = now
        if household is not None:
            # Registering a good deed names the household that did it (its points follow: cases.signals, cogov.hooks).
            if action != "register" or case.kind != Case.Kind.GOOD_DEED:
                raise TransitionError(_("Only a good deed being registered names a household."), "invalid")
            if case.community_id and household.community_id != case.community_id:
                raise TransitionError(_("The household lives in another community."), "invalid")
            case.household = household
        case.save()
        event = CaseEvent.objects.create(
            case=case,
            action=action,
            from_state=from_state,
            to_state=t.target,
            actor=user if user and user.is_authenticated else None,
            at=now,
            note=note,
            handler=handler.label if handler is not None else "",
            client_id=client_id,
        )
        keep_for_processing(case, event, images)
        notify(case, event, user)
        if action == "verify" and case.category.auto_close:
            case = close_verified(case, now)
        if action in signals.SENT_ON:  # other apps follow the flow (cogov's good-deed points): cases/signals.py
            signals.SENT_ON[action].send(sender=Case, case=case, event=event, actor=user)
    return case


def notify(case, event, actor):
    """Handler on dispatch (and on rework), reporter on each state change; never the person who acted."""
    actor_id = actor.pk if actor and actor.is_authenticated else None
    rows = []
    state = State(case.state).label
    if event.action in ("dispatch", "fail"):
        msg = _("Case %(id)s (%(category)s) is yours to handle by %(deadline)s.") % {
            "id": case.pk,
            "category": case.category,
            "deadline": timezone.localtime(case.deadline_at).strftime("%Y-%m-%d %H:%M"),
        }
        for uid in handler_users(case).values_list("pk", flat=True):
            if uid != actor_id:
                rows.append(Notification(recipient_id=uid, case=case, message=msg[:200], created_at=event.at))
    if event.action == "handle":
        # The cell's grid workers verify the work on site (核查): they hear of it as soon as it is reported done.
        msg = _("Case %(id)s (%(category)s) in your cell was reported handled: verify it on site.") % {
            "id": case.pk,
            "category": case.category,
        }
        for uid in cell_workers(case):
            if uid != actor_id:
                rows.append(Notification(recipient_id=uid, case=case, message=msg[:200], created_at=event.at))
    if case.reporter_id and case.reporter_id != actor_id:
        msg = _("Your report %(id)s (%(category)s) is now %(state)s.") % {
            "id": case.pk,
            "category": case.category,
            "state": state,
        }
        rows.append(Notification(recipient_id=case.reporter_id, case=case, message=msg[:200], created_at=event.at))
    Notification.objects.bulk_create(rows)


def cell_workers(case):
    """Ids of the grid workers of the case's cell: those assigned to it today, and the one named on the case."""
    from django.apps import apps

    ids = set()
    if case.cell_id:
        GridAssignment = apps.get_model("grids", "GridAssignment")
        today = timezone.localdate()
        assigned = GridAssignment.objects.active_on(today).filter(cell_id=case.cell_id)
        ids |= set(assigned.values_list("worker_id", flat=True))
    if case.grid_worker_id:
        ids.add(case.grid_worker_id)
    return sorted(ids)


def close_verified(case, now):
    """Close a case just verified on site when its category says so (Category.auto_close), in the same transaction
    as the verification: a step of its own, by nobody, that the reporter is told of."""
    case.state = State.CLOSED
    case.version += 1
    case.closed_at = now
    case.save(update_fields=["state", "version", "closed_at", "updated_at"])
    event = CaseEvent.objects.create(
        case=case,
        action="close",
        from_state=State.VERIFIED,
        to_state=State.CLOSED,
        actor=None,
        at=now,
        note=_("Closed once verified on site: its category closes its cases without a dispatcher."),
    )
    notify(case, event, None)
    signals.case_closed.send(sender=Case, case=case, event=event, actor=None)
    return case
