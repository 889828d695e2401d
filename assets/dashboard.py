"""The assets section of the managers' dashboard (registered in AssetsConfig.ready through common.dashboard).

The dashboard reads the kept per-cell summaries (assets/summary.py) when they are up to date (`scope.summaries`,
set by the dashboard after common.dashboard.refresh_summaries); `direct_section` computes the same figures from the
records and serves when a large backlog is still being summarised by the worker (and in the tests, to compare)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets import services, summary
from assets.models import AssetType
from assets.summary import SANITATION_TYPES

__all__ = ["SANITATION_TYPES", "direct_section", "section"]


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def _rows(green, adopted, households, covered, radius_m):
    return {
        "title": _("Adoption and sanitation"),
        "rows": [
            (_("Green area (m²)"), round(green, 1)),
            (_("Adopted green area (m²)"), round(adopted, 1)),
            (_("Adoption coverage (%)"), _rate(adopted, green)),
            (_("Households near a garbage point or toilet"), covered),
            (_("Sanitation coverage within %(r)s m (%%)") % {"r": radius_m}, _rate(covered, households)),
        ],
    }


def direct_section(scope, period, radius_m):
    """Adoption coverage (adopted share of green area) and sanitation coverage (households within radius_m of a
    garbage point or public toilet), computed from the records."""
    cells = scope.cells
    adoption = services.adoption_coverage(cells, day=period.end)
    green = sum(r.green_m2 for r in adoption)
    adopted = sum(r.adopted_m2 for r in adoption)
    q = Q()
    for fam, code in SANITATION_TYPES:
        q |= Q(family__code=fam, code=code)
    types = AssetType.objects.filter(q)
    rows, _uncovered = services.service_area(types, radius_m, cells)
    households = sum(r.households for r in rows)
    covered = sum(r.covered for r in rows)
    return _rows(green, adopted, households, covered, radius_m)


def summarised_section(scope, period, radius_m):
    """The same figures from the kept summaries: green pieces and reach per cell, one row per cell added up."""
    cell_sql, params = scope.cells.order_by().values("pk").query.sql_with_params()
    green, adopted = summary.green(cell_sql, params, period.end)
    households, covered = summary.reach(cell_sql, params, radius_m)
    return _rows(green, adopted, households, covered, radius_m)


def section(scope, period, radius_m):
    if getattr(scope, "summaries", False):
        return summarised_section(scope, period, radius_m)
    return direct_section(scope, period, radius_m)
