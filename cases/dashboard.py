"""Case figures for the managers' dashboard (cogov): one aggregate query per figure over the cells in scope."""

from datetime import datetime, time

from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CLOCK_STATES, Case, State


def _bounds(start, end):
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end, time.max, tzinfo=tz)


def dashboard_figures(households, cells, start, end):
    """Cases reported in the period in these cells: by state, top categories, on-time closure, overdue,
    average handling time (dispatch → close) and the busiest cells."""
    since, until = _bounds(start, end)
    now = timezone.now()
    qs = Case.objects.filter(cell__in=cells, created_at__gte=since, created_at__lte=until)
    totals = qs.aggregate(
        reported=Count("id"),
        open=Count("id", filter=~Q(state__in=[State.CLOSED, State.REJECTED])),
        closed=Count("id", filter=Q(state=State.CLOSED)),
        rejected=Count("id", filter=Q(state=State.REJECTED)),
        due=Count(
            "id",
            filter=Q(deadline_at__isnull=False)
            & (Q(state=State.CLOSED) | Q(state__in=CLOCK_STATES, deadline_at__lt=now)),
        ),
        on_time=Count("id", filter=Q(state=State.CLOSED, deadline_at__isnull=False, closed_at__lte=F("deadline_at"))),
        overdue=Count("id", filter=Q(state__in=CLOCK_STATES, deadline_at__lt=now)),
        handling=Avg(F("closed_at") - F("dispatched_at"), filter=Q(state=State.CLOSED, dispatched_at__isnull=False)),
    )
    rate = round(100.0 * totals["on_time"] / totals["due"], 1) if totals["due"] else None
    hours = round(totals["handling"].total_seconds() / 3600, 1) if totals["handling"] else None
    rows = [
        (_("Cases reported"), totals["reported"]),
        (_("Open cases"), totals["open"]),
        (_("Closed cases"), totals["closed"]),
        (_("Rejected reports"), totals["rejected"]),
        (_("On-time closure rate (%)"), rate),
        (_("Overdue cases"), totals["overdue"]),
        (_("Average handling time, dispatch to close (hours)"), hours),
    ]
    for row in qs.values("category__name").annotate(n=Count("id")).order_by("-n", "category__name")[:5]:
        rows.append((_("Category: %(name)s") % {"name": row["category__name"]}, row["n"]))
    for row in qs.values("cell__code").annotate(n=Count("id")).order_by("-n", "cell__code")[:3]:
        rows.append((_("Busiest grid cell: %(code)s") % {"code": row["cell__code"]}, row["n"]))
    return {"title": _("Cases"), "rows": rows}
