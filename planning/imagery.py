"""What planning reads from the layers engine: green coverage of a zone from imagery (a zone statistics provider,
registered in PlanningConfig.ready) and the demolition plans of the overlay layers named in settings."""

from django.contrib.gis.db.models.functions import Intersection

from common.geometry import metric_srid_for
from layers import imagery
from layers.models import Feature, GreenCoverage, RasterLayer
from planning.conf import conf
from planning.stats import MetricArea


def imagery_coverage(zone):
    """Green coverage of the zone on each processed image (layers' NDVI / land-cover classification).

    The layers app computes coverage when an image is processed; for a new or redrawn zone it is computed again
    here, with the same service, for the images that overlap the zone.
    """
    this_zone = [("zone", type(zone).objects.filter(pk=zone.pk))]
    for layer in RasterLayer.objects.filter(status=RasterLayer.Status.DONE, bounds__intersects=zone.boundary):
        imagery.compute_coverage(layer, targets=this_zone)  # the window around this zone only
    rows = (
        GreenCoverage.objects.filter(zone_id=zone.pk)
        .select_related("raster")
        .order_by("-raster__acquired", "raster__name")
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


def zone_figures(zone, srid):
    return imagery_coverage(zone)


def demolition_overlaps(geom):
    """Demolition-plan polygons from the overlay layers named in settings: [(name, m²)], largest first."""
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
