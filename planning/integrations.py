"""Figures that come from other apps (assets, cases, layers), read through their models and services.

Each block is added when that app is installed; the zone page shows only what is available.
"""

from datetime import timedelta

from django.apps import apps
from django.contrib.gis.db.models.functions import Intersection
from django.db.models import Count, Q
from django.utils import timezone

from planning.conf import conf


def extra_statistics(zone, srid):
    stats = {}
    if apps.is_installed("assets"):
        stats["assets"] = asset_statistics(zone, srid)
    if apps.is_installed("cases"):
        stats["cases"] = case_statistics(zone)
    if apps.is_installed("layers"):
        stats["imagery"] = imagery_coverage(zone)
    return stats


def imagery_coverage(zone):
    """Green coverage of the zone on each processed image (layers' NDVI / land-cover classification).

    The layers app computes coverage when an image is processed; for a new or redrawn zone it is computed again
    here, with the same service, for the images that overlap the zone.
    """
    from layers import imagery
    from layers.models import GreenCoverage, RasterLayer

    this_zone = [("zone", type(zone).objects.filter(pk=zone.pk))]
    for layer in RasterLayer.objects.filter(status=RasterLayer.Status.DONE, bounds__intersects=zone.boundary):
        imagery.compute_coverage(layer, targets=this_zone)  # the window around this zone only
    rows = (
        GreenCoverage.objects.filter(zone=zone).select_related("raster").order_by("-raster__acquired", "raster__name")
    )
    return [
        {
            "raster": r.raster.name,
            "acquired": r.raster.acquired.isoformat() if r.raster.acquired else None,
            "share_pct": round(r.share * 100, 1),
            "green_m2": round(r.green_m2, 1),
            "area_m2": round(r.area_m2, 1),
        }
        for r in rows
    ]


def case_statistics(zone, days=365):
    """Problems and requests for help reported inside the zone in the last 12 months, open and closed by category.

    Good deeds are not problems and are left out; rejected reports count neither as open nor as closed.
    """
    from cases.models import OPEN_STATES, Case, State

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


def asset_statistics(zone, srid):
    """Assets inside the zone by family (with damaged/missing ones), green area and its adopted share."""
    from assets.models import Asset
    from assets.services import adoption_coverage
    from planning.models import Zone

    inside = Asset.objects.filter(anchor__intersects=zone.boundary)
    broken = Q(condition__in=[Asset.Condition.DAMAGED, Asset.Condition.MISSING])
    families = (
        inside.values("type__family__code", "type__family__name", "type__family__name_en")
        .annotate(n=Count("id"), damaged=Count("id", filter=broken))
        .order_by("type__family__code")
    )
    coverage = adoption_coverage(Zone.objects.filter(pk=zone.pk), srid=srid)
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


def demolition_overlaps(geom):
    """Demolition-plan polygons from the overlay layers named in settings: [(name, m²)], largest first."""
    if not apps.is_installed("layers"):
        return []
    from common.geometry import metric_srid_for
    from layers.models import Feature
    from planning.stats import MetricArea

    names = conf("DEMOLITION_LAYERS")
    if not names:
        return []
    srid = metric_srid_for(geom)
    rows = (
        Feature.objects.filter(layer__name__in=names, geom__intersects=geom)
        .annotate(overlap_m2=MetricArea(Intersection("geom", geom), srid))
        .select_related("layer")
        .order_by("-overlap_m2")
    )
    return [(f"{f.layer.name} · {f.name or f.key or f.pk}", f.overlap_m2) for f in rows]
