"""Assets inside a renovation zone, for the zone's statistics (registered in AssetsConfig.ready through
planning.providers)."""

from django.db.models import Count, Q

from assets.models import Asset
from assets.services import adoption_coverage


def asset_statistics(zone, srid):
    """Assets inside the zone by family (with damaged/missing ones), green area and its adopted share."""
    inside = Asset.objects.filter(anchor__intersects=zone.boundary)
    broken = Q(condition__in=[Asset.Condition.DAMAGED, Asset.Condition.MISSING])
    families = (
        inside.values("type__family__code", "type__family__name", "type__family__name_en")
        .annotate(n=Count("id"), damaged=Count("id", filter=broken))
        .order_by("type__family__code")
    )
    coverage = adoption_coverage(type(zone).objects.filter(pk=zone.pk), srid=srid)
    green = coverage[0] if coverage else None
    return {
        "count": inside.count(),
        "damaged": inside.filter(broken).count(),
        "by_family": [
            {
                "code": f["type__family__code"],
                "name": f["type__family__name"],
                "name_en": f["type__family__name_en"],
                "count": f["n"],
                "damaged": f["damaged"],
            }
            for f in families
        ],
        "green_m2": round(green.green_m2, 1) if green else 0.0,
        "adopted_green_m2": round(green.adopted_m2, 1) if green else 0.0,
        "adopted_share_pct": green.share if green else None,
    }
