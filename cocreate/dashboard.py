"""Co-creation sections of the managers' dashboard (registered through common.dashboard): participation — the share
of the unit's households that took part in any co-creation activity this year (the plans' 每户至少一人) — and the
residents' satisfaction with cases (per department and grid cell) and with renovation projects."""

from datetime import date, datetime, time

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.models import CaseRating, Contribution, Meeting, NeedSupport, ProjectRating

SATISFIED = Q(level__in=["satisfied", "basic"])


def _year_bounds(day):
    tz = timezone.get_current_timezone()
    start = datetime.combine(date(day.year, 1, 1), time.min, tzinfo=tz)
    return start, datetime.combine(date(day.year, 12, 31), time.max, tzinfo=tz)


def participant_ids(day):
    """The ids of the households that took part in the year of `day`: at a meeting, with a contribution, a rating of a
    renovation project, or a need posted or supported, or a handled case rated, by an account of the household.

    One union of the sources' household ids (each a small table read once), so that a unit's count joins these ids
    to its households by key instead of testing every household of the unit against every source (a district of
    1M households was a scan of all of them)."""
    since, until = _year_bounds(day)
    from accounts.models import Membership

    members = Membership.objects.filter(household__isnull=False)
    by_need = members.filter(
        Q(user__cocreate_needs__created_at__range=(since, until))
        | Q(user__in=NeedSupport.objects.filter(at__range=(since, until)).values("user"))
        | Q(user__in=CaseRating.objects.filter(created_at__range=(since, until), rater__isnull=False).values("rater"))
    ).values("household")
    return (
        Meeting.households.through.objects.filter(meeting__held_at__range=(since, until))
        .values("household")
        .union(
            Contribution.objects.filter(on__year=day.year, household__isnull=False).values("household"),
            ProjectRating.objects.filter(created_at__range=(since, until)).values("household"),
            by_need,
        )
    )


def participating(households, day):
    """The households (of the queryset) that took part in the year of `day` (see participant_ids)."""
    return households.filter(pk__in=participant_ids(day))


def _households_total(scope):
    """The unit's households: from grids' kept per-cell summary when the dashboard brought it up to date."""
    if getattr(scope, "summaries", False):
        from grids import summary

        if scope.level in ("district", "street"):
            where, params = "community_id = ANY(%s)", [scope.community_ids]
        else:
            where, params = f"{'community_id' if scope.level == 'community' else 'cell_id'} = %s", [scope.obj.pk]
        return summary.totals(where, params)["households"]
    return scope.households.count()


def _share(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def participation_section(scope, period, radius_m):
    households = scope.households
    total = _households_total(scope)
    if not total:
        return None
    now = participating(households, period.end).count()
    last_year = participating(households, date(period.end.year - 1, 12, 31)).count()
    return {
        "title": _("Co-creation: participation"),
        "rows": [
            (_("Households taking part this year"), now, last_year),
            (_("Participation: share of households (%)"), _share(now, total), _share(last_year, total)),
        ],
    }


def satisfaction_section(scope, period, radius_m):
    tz = timezone.get_current_timezone()
    since = datetime.combine(period.start, time.min, tzinfo=tz)
    until = datetime.combine(period.end, time.max, tzinfo=tz)
    ratings = CaseRating.objects.filter(case__cell__in=scope.cells, created_at__range=(since, until))
    totals = ratings.aggregate(n=Count("pk"), ok=Count("pk", filter=SATISFIED))
    rows = []
    if totals["n"]:
        rows += [
            (_("Case ratings by reporters"), totals["n"], None),
            (_("Satisfied or basically satisfied (%)"), _share(totals["ok"], totals["n"]), None),
        ]
        by_department = (
            ratings.exclude(case__department="")
            .values("case__department")
            .annotate(n=Count("pk"), ok=Count("pk", filter=SATISFIED))
            .order_by("case__department")
        )
        for row in by_department:
            label = _("Satisfaction, department %(name)s (%%)") % {"name": row["case__department"]}
            rows.append((label, _share(row["ok"], row["n"]), None))
        by_cell = ratings.values("case__cell__code").annotate(n=Count("pk"), ok=Count("pk", filter=SATISFIED))
        for row in by_cell.order_by("case__cell__code")[:20]:
            label = _("Satisfaction, grid cell %(code)s (%%)") % {"code": row["case__cell__code"]}
            rows.append((label, _share(row["ok"], row["n"]), None))
    projects = (
        ProjectRating.objects.filter(project__zone__boundary__intersects=scope.obj.boundary)
        .values("project__name")
        .annotate(n=Count("pk"), ok=Count("pk", filter=SATISFIED))
        .order_by("project__name")
    )
    for row in projects[:20]:
        label = _("Satisfaction, project %(name)s (%%, %(n)s households)") % {
            "name": row["project__name"],
            "n": row["n"],
        }
        rows.append((label, _share(row["ok"], row["n"]), None))
    if not rows:
        return None
    return {"title": _("Co-creation: residents' satisfaction"), "rows": rows}


def register():
    from common import dashboard

    dashboard.register("cocreate-participation", participation_section, order=50)
    dashboard.register("cocreate-satisfaction", satisfaction_section, order=51)
