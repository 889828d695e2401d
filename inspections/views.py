"""Inspection pages: what is due for the worker (filled in the field workspace, also offline), completion per cell
and week for the managers of a community, and the monthly or quarterly report (通报) as XLSX or PDF."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from common.params import ParamError
from inspections import report, services
from inspections.models import Inspection

VIEW = "inspections.view_inspection"
WEEKS = 6
RECENT = 50


@login_required
def home(request):
    if not policy.holds(request.user, VIEW):
        raise PermissionDenied
    today = timezone.localdate()
    due = services.describe(services.due_for(request.user, today))
    readable = policy.communities(request.user, VIEW)
    communities = list(readable.order_by("street__code", "code")[:200])
    community = None
    wanted = request.GET.get("community", "")
    if wanted:
        if not wanted.isdigit():
            raise ParamError("community", _("community must be the id of a community."))
        community = get_object_or_404(readable, pk=int(wanted))
    elif len(communities) == 1:
        community = communities[0]
    weeks, grid, recent = [], [], []
    if community is not None:
        recent = list(
            policy.scope(request.user, "view", Inspection.objects.filter(cell__community=community))
            .select_related("checklist", "cell", "asset", "inspector")
            .prefetch_related("results__item", "results__case")
            .order_by("-inspected_at")[:RECENT]
        )
        monday = today - timedelta(days=today.weekday())
        start = monday - timedelta(weeks=WEEKS - 1)
        weeks = [start + timedelta(weeks=k) for k in range(WEEKS)]
        cells = community.cells.values_list("pk", flat=True)
        if not policy.reaches_community(request.user, VIEW, community):
            # A worker reads the community through the cells they hold: their completion, not the neighbours'.
            cells = cells.filter(pk__in=policy.worker_cells(request.user))
        rows = services.completion(cells, start, monday + timedelta(days=6))
        by_cell = {}
        for _cell_id, code, week, due_n, done_n in rows:
            by_cell.setdefault(code, {})[week] = (done_n, due_n)
        grid = [{"code": code, "weeks": [by_cell[code].get(w) for w in weeks]} for code in sorted(by_cell)]
    context = {
        "due": due,
        "communities": communities,
        "community": community,
        "weeks": weeks,
        "grid": grid,
        "recent": recent,
        "month": f"{today:%Y-%m}",
        "quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}",
    }
    return render(request, "inspections/home.html", context)


@login_required
def report_download(request, pk, fmt):
    from grids.models import Community

    if fmt not in ("xlsx", "pdf"):
        raise Http404
    community = get_object_or_404(Community.objects.select_related("street"), pk=pk)
    if not policy.reaches_community(request.user, VIEW, community):
        raise Http404
    try:
        period = report.ReportPeriod.parse(request.GET.get("period", ""))
    except ValueError as exc:
        raise ParamError("period", str(exc)) from None
    rows = report.figures(community, period)
    writer = report.as_xlsx if fmt == "xlsx" else report.as_pdf
    return writer(community, period, rows)
