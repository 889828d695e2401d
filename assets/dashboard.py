"""The assets section of the managers' dashboard (registered in AssetsConfig.ready through common.dashboard)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets import services
from assets.models import AssetType

SANITATION_TYPES = [("03", "01"), ("03", "02"), ("03", "04")]  # garbage bins, collection points, public toilets


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def section(scope, period, radius_m):
    """Adoption coverage (adopted share of green area) and sanitation coverage (households within radius_m of a
    garbage point or public toilet)."""
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
