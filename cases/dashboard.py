"""Case figures for the managers' dashboard (cogov): one aggregate query per figure over the cells in scope."""

from datetime import datetime, time, timedelta

from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CLOCK_STATES, Case, State
from cases.services import ON_TIME_Q, due_q, on_time_rate, overdue_q


def _bounds(start, end):
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end, time.max, tzinfo=tz)


def _totals(cells, start, end, now):
    since, until = _bounds(start, end)
    qs = Case.objects.filter(cell__in=cells, created_at__gte=since, created_at__lte=until)
    by_state = {State(k).value: 0 for k in State.values}
    for row in qs.values("state").annotate(n=Count("id")).order_by():
        by_state[row["state"]] = row["n"]
    totals = qs.aggregate(
        reported=Count("id"),
        due=Count("id", filter=due_q(now)),
        on_time=Count("id", filter=ON_TIME_Q),
        overdue=Count("id", filter=overdue_q(now)),
        handling=Avg(F("closed_at") - F("dispatched_at"), filter=Q(state=State.CLOSED, dispatched_at__isnull=False)),
    )
    totals["rate"] = on_time_rate(totals["on_time"], totals["due"])
    totals["hours"] = round(totals["handling"].total_seconds() / 3600, 1) if totals["handling"] else None
    totals["open"] = sum(n for k, n in by_state.items() if k not in (State.CLOSED, State.REJECTED))
    return qs, totals, by_state


def dashboard_figures(households, cells, start, end):
    """Cases reported in the period in these cells, beside the previous period of the same length: by state, on-time
    closure, overdue (with the longest overdue cases), average handling time (dispatch → close), top categories and
    the busiest cells."""
    now = timezone.now()
    qs, now_totals, by_state = _totals(cells, start, end, now)
    days = (end - start).days + 1
    _prev_qs, before, before_state = _totals(cells, start - timedelta(days=days), start - timedelta(days=1), now)
    rows = [
        (_("Cases reported"), now_totals["reported"], before["reported"]),
        (_("Open cases"), now_totals["open"], before["open"]),
    ]
    rows += [(_("State: %(state)s") % {"state": State(k).label}, n, before_state[k]) for k, n in by_state.items() if n]
    rows += [
        (_("On-time closure rate (%)"), now_totals["rate"], before["rate"]),
        (_("Overdue cases"), now_totals["overdue"], before["overdue"]),
        (_("Average handling time, dispatch to close (hours)"), now_totals["hours"], before["hours"]),
    ]
    for row in qs.values("category__name").annotate(n=Count("id")).order_by("-n", "category__name")[:5]:
        rows.append((_("Category: %(name)s") % {"name": row["category__name"]}, row["n"], None))
    for row in qs.values("cell__code").annotate(n=Count("id")).order_by("-n", "cell__code")[:3]:
        rows.append((_("Busiest grid cell: %(code)s") % {"code": row["cell__code"]}, row["n"], None))
    late = qs.filter(state__in=CLOCK_STATES, deadline_at__lt=now).select_related("category", "cell")
    for case in late.order_by("deadline_at")[:5]:
        hours = round((now - case.deadline_at).total_seconds() / 3600, 1)
        label = _("Overdue: case %(id)s, %(category)s, cell %(cell)s") % {
            "id": case.pk,
            "category": case.category.name,
            "cell": case.cell.code if case.cell_id else "–",
        }
        rows.append((label, _("%(h)s h late") % {"h": hours}, None))
    return {"title": _("Cases"), "rows": rows}


def section(scope, period, radius_m):
    """The cases section of the managers' dashboard (registered in CasesConfig.ready through common.dashboard)."""
    return dashboard_figures(scope.households, scope.cells, period.start, period.end)
