"""What waits for a grid worker, a handler or a dispatcher (我的待办): cases in the cells they hold today that were
reported handled (awaiting verification on site, 核查), cases dispatched to them or their department, verified cases
whose category does not close them by itself (Category.auto_close) for whoever may close them in the case's area
(the dispatchers and managers there); overdue ones first. Unread notifications are listed beside them.

Who may take which step stays in cases.workflow (allowed_actions); what a user reads stays in accounts.policy."""

from django.core.cache import cache
from django.db.models import Case as When_
from django.db.models import F, IntegerField, Q, Value, When
from django.utils import timezone

from accounts import policy
from cases import workflow
from cases.models import OPEN_STATES, Case, State

BADGE_SECONDS = 60
INBOX_LIMIT = 200
MAP_LIMIT = 500
TO_HANDLE = (State.DISPATCHED, State.IN_PROGRESS)


def my_cells(user):
    """Ids of the grid cells the user holds today as a grid worker (accounts.policy's grants)."""
    return sorted(policy.worker_cells(user))


def to_close_q(user):
    """Q of the verified cases the user may close (结案): where they hold cases.dispatch_case (cases.workflow's
    dispatcher role), or none."""
    area = policy.area_q(user, "cases.dispatch_case", Case)
    if area is None:
        return Q(state=State.VERIFIED)
    if area == policy.NOTHING:
        return None
    return Q(state=State.VERIFIED) & area


def waiting_q(user, closing=False):
    """Q of the cases waiting for the user: to verify in their cells, to handle as their handler (one SQL condition
    with subqueries: the badge counts it in one query) and, with `closing`, to close as a dispatcher of their area
    (which reads the user's grants first)."""
    cells = policy.worker_cells(user)
    departments = policy.handled_departments(user)
    q = Q(state=State.HANDLED, cell__in=cells) | Q(state__in=TO_HANDLE) & (
        Q(handler_user=user)
        | Q(handler_party__user=user)
        | Q(handler_user__isnull=True, handler_party__kind="department", department__in=departments)
    )
    if not closing:
        return q
    to_close = to_close_q(user)
    return q if to_close is None else q | to_close


def waiting_count(user):
    """How many cases wait for the user: Case.objects.filter(waiting_q(user, closing=True)).count(), counted per
    branch. The branches are disjoint by state (handled to verify, dispatched or in progress to handle, verified to
    close), and each count is a condition an index answers: the user's cells, the user as handler or party, the
    handled departments only when the user has one. As one OR across the party join the planner scanned every case
    (5M cases: 1.8 s on every page a field user opened)."""
    Party = Case._meta.get_field("handler_party").related_model

    count = Case.objects.filter(state=State.HANDLED, cell__in=policy.worker_cells(user)).count()
    parties = list(Party.objects.filter(user=user).values_list("pk", flat=True))
    count += Case.objects.filter(Q(handler_user=user) | Q(handler_party__in=parties), state__in=TO_HANDLE).count()
    departments = list(policy.handled_departments(user))
    if departments:
        count += (
            Case.objects.filter(
                state__in=TO_HANDLE,
                handler_user__isnull=True,
                handler_party__kind="department",
                department__in=departments,
            )
            .exclude(handler_party__in=parties)
            .count()
        )
    to_close = to_close_q(user)
    if to_close is not None:
        count += Case.objects.filter(to_close).count()
    return count


def badge_count(user):
    """How many things wait for the user, as the inbox lists them: the cases to verify, handle or close, the unread
    notifications and what the other sources count (inspections due …). A COUNT per kind, kept BADGE_SECONDS in
    the cache."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = f"field:inbox:{user.pk}"
    count = cache.get(key)
    if count is None:
        from cases.models import Notification

        count = waiting_count(user)
        count += Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        count += sum(counter(user) for counter in COUNTERS.values())
        cache.set(key, count, BADGE_SECONDS)
    return count


def forget_badge(user):
    cache.delete(f"field:inbox:{user.pk}")


def urgency_order(now):
    """Overdue first (most overdue first), then to verify, then the nearest deadline, then the oldest report."""
    return [
        When_(
            When(deadline_at__lt=now, state__in=[*TO_HANDLE, State.HANDLED], then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ).asc(),
        When_(When(state=State.HANDLED, then=Value(0)), default=Value(1), output_field=IntegerField()).asc(),
        F("deadline_at").asc(nulls_last=True),
        F("created_at").asc(),
    ]


def case_row(case, now, task="", actions=()):
    left = case.time_left(now)
    return {
        "id": case.pk,
        "number": case.number,
        "category": str(case.category),
        "state": case.state,
        "state_label": str(State(case.state).label),
        "lon": round(case.location.x, 6),
        "lat": round(case.location.y, 6),
        "cell": case.cell.code if case.cell_id else "",
        "address": case.address,
        "description": case.description[:80],
        "reported": timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M"),
        "deadline": timezone.localtime(case.deadline_at).strftime("%Y-%m-%d %H:%M") if case.deadline_at else "",
        "hours_left": round(left.total_seconds() / 3600, 1) if left is not None else None,
        "overdue": left is not None and left.total_seconds() < 0,
        "version": case.version,
        "task": task,
        "actions": list(actions),
    }


FIELD_ACTIONS = ("verify", "fail", "start", "handle", "close")

# Other kinds of rows in the inbox (inspections due …), filled by the apps that own them in their AppConfig.ready():
# register_source(name, rows, count) with rows(user, now) -> [dict with "kind"], most urgent first, and count(user)
# -> how many of them wait (for the badge; a query or two, not the rows).
SOURCES = {}
COUNTERS = {}


def register_source(name, rows, count=None):
    SOURCES[name] = rows
    if count is not None:
        COUNTERS[name] = count


def source_rows(user, now=None):
    """The rows of the other kinds, one list per source in the order they were registered."""
    now = now or timezone.now()
    out = []
    for rows in SOURCES.values():
        out.extend(rows(user, now))
    return out


def inbox(user, now=None):
    """The waiting cases, most urgent first, each with the steps the user may take from the phone."""
    now = now or timezone.now()
    qs = policy.scope(user, "view", Case.objects.filter(waiting_q(user, closing=True)))
    qs = qs.select_related("category", "cell", "handler_party").order_by(*urgency_order(now))[:INBOX_LIMIT]
    rows = []
    for case in qs:
        actions = [t.action for t in workflow.allowed_actions(case, user) if t.action in FIELD_ACTIONS]
        task = {State.HANDLED: "verify", State.VERIFIED: "close"}.get(case.state, "handle")
        rows.append(case_row(case, now, task, actions))
    return rows


NOTIFICATION_LIMIT = 20


def notifications(user):
    """The user's unread notifications (cases.Notification), newest first: what changed in their cases."""
    from cases.models import Notification

    rows = Notification.objects.filter(recipient=user, read_at__isnull=True).select_related("case")
    return [
        {
            "kind": "notification",
            "id": n.pk,
            "case": n.case_id,
            "number": n.case.number,
            "message": n.message,
            "at": timezone.localtime(n.created_at).strftime("%Y-%m-%d %H:%M"),
        }
        for n in rows.order_by("-created_at", "-id")[:NOTIFICATION_LIMIT]
    ]


def cell_cases(user, cells, exclude=(), now=None):
    """Open cases of the user's cells (for the map, also offline), newest first."""
    now = now or timezone.now()
    qs = policy.scope(user, "view", Case.objects.filter(cell__in=cells, state__in=OPEN_STATES))
    qs = qs.exclude(pk__in=list(exclude)).select_related("category", "cell").order_by("-created_at")[:MAP_LIMIT]
    return [case_row(c, now) for c in qs]


def find_by_number(user, text):
    """Cases the user reads whose number (YYYYMMDD + id in six digits) or id is `text`."""
    digits = "".join(ch for ch in str(text or "") if ch.isdigit())[:20]
    if not digits:
        return []
    pk = int(digits[8:] or 0) if len(digits) > 8 else int(digits)
    found = policy.scope(user, "view", Case.objects.filter(pk=pk)).select_related("category", "cell")
    # A full number names its day too: 20261130001234 is case 1234 reported on 30 November 2026.
    return [c for c in found if len(digits) <= 8 or c.number == digits]
