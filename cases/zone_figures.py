"""Cases inside a renovation zone, for the zone's statistics (registered in CasesConfig.ready through
planning.providers)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from cases.models import OPEN_STATES, Case, State


def case_statistics(zone, days=365):
    """Problems and requests for help reported inside the zone in the last 12 months, open and closed by category.

    Good deeds are not problems and are left out; rejected reports count neither as open nor as closed.
    """
    since = timezone.now() - timedelta(days=days)
    rows = (
        Case.objects.filter(location__intersects=zone.boundary, created_at__gte=since)
        .exclude(kind=Case.Kind.GOOD_DEED)
        .values("category__code", "category__name", "category__name_en")
        .annotate(open=Count("id", filter=Q(state__in=OPEN_STATES)), closed=Count("id", filter=Q(state=State.CLOSED)))
        .order_by("category__code")
    )
    by_category = [
        {
            "code": r["category__code"],
            "name": r["category__name"],
            "name_en": r["category__name_en"],
            "open": r["open"],
            "closed": r["closed"],
        }
        for r in rows
        if r["open"] or r["closed"]
    ]
    return {
        "since": since.date().isoformat(),
        "open": sum(r["open"] for r in by_category),
        "closed": sum(r["closed"] for r in by_category),
        "by_category": by_category,
    }


def zone_figures(zone, srid):
    return case_statistics(zone)
