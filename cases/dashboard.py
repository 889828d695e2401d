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
    """From the cases: the queryset of the period, its totals and its cases by state."""
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
    return qs, _derived(totals, by_state), by_state


def _derived(totals, by_state):
    totals["rate"] = on_time_rate(totals["on_time"], totals["due"])
    totals["hours"] = round(totals["handling"].total_seconds() / 3600, 1) if totals["handling"] else None
    totals["open"] = sum(n for k, n in by_state.items() if k not in (State.CLOSED, State.REJECTED))
    return totals


def _direct(cells, start, end, now, tops=True, unit=None):
    """(totals, by state, top categories, busiest cells) of the cases created in the period, from the cases."""
    qs, totals, by_state = _totals(cells, start, end, now)
    if not tops:
        return totals, by_state, [], []
    categories = [
        (r["category__name"], r["n"])
        for r in qs.values("category__name").annotate(n=Count("id")).order_by("-n", "category__name")[:5]
    ]
    busiest = [
        (r["cell__code"], r["n"])
        for r in qs.values("cell__code").annotate(n=Count("id")).order_by("-n", "cell__code")[:3]
    ]
    return totals, by_state, categories, busiest


def _summarised(cells, start, end, now, tops=True, unit=None):
    """The same from the kept per-cell summary (cases/summary.py), or for a district or street (`unit`: (level,
    id), whose cells `cells` are) from its roll-up."""
    from cases import summary

    cell_sql, params = cells.order_by().values("pk").query.sql_with_params()
    found, kept, categories, busiest = summary.period_figures(cell_sql, params, start, end, now, tops, unit=unit)
    by_state = {State(k).value: found.get(k, 0) for k in State.values}
    totals = {
        "reported": sum(by_state.values()),
        "due": kept["closed_due"] + kept["overdue"],
        "on_time": kept["on_time"],
        "overdue": kept["overdue"],
        "handling": kept["handling"],
    }
    return _derived(totals, by_state), by_state, categories, busiest


def dashboard_figures(households, cells, start, end, summaries=False, now=None, unit=None):
    """Cases reported in the period in these cells, beside the previous period of the same length: by state, on-time
    closure, overdue (with the longest overdue cases), average handling time (dispatch → close), top categories and
    the busiest cells. With `summaries`, the counts come from the kept per-cell summary (the same figures), and for
    a district or street (`unit`: ("district" or "street", id), the unit whose cells `cells` are) from its roll-up."""
    from cases.summary import UNIT_LEVELS

    now = now or timezone.now()
    period = _summarised if summaries else _direct
    unit = unit if unit and unit[0] in UNIT_LEVELS else None
    now_totals, by_state, categories, busiest = period(cells, start, end, now, unit=unit)
    days = (end - start).days + 1
    before, before_state, _c, _b = period(
        cells, start - timedelta(days=days), start - timedelta(days=1), now, tops=False, unit=unit
    )
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
    for name, n in categories:
        rows.append((_("Category: %(name)s") % {"name": name}, n, None))
    for code, n in busiest:
        rows.append((_("Busiest grid cell: %(code)s") % {"code": code}, n, None))
    # The longest overdue cases: from the cases through the partial index of cases on the clock (case_clock_deadline).
    since, until = _bounds(start, end)
    late = Case.objects.filter(
        cell__in=cells, created_at__gte=since, created_at__lte=until, state__in=CLOCK_STATES, deadline_at__lt=now
    ).select_related("category", "cell")
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
    """The cases section of the managers' dashboard (registered in CasesConfig.ready through common.dashboard): from
    the kept summary when the dashboard brought the summaries up to date (`scope.summaries`) and the cases' own is
    not left to the worker (`scope.stale`), else from the cases."""
    return dashboard_figures(
        scope.households,
        scope.cells,
        period.start,
        period.end,
        summaries=getattr(scope, "summaries", False) and "cases" not in getattr(scope, "stale", ()),
        unit=(scope.level, scope.obj.pk),
    )
