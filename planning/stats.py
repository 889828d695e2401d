"""What is inside a renovation zone, computed in the database (spatial lookups on indexed columns, aggregates).

Counting rules, in one place so the pages and the tests agree:
- a household is inside when its location point intersects the zone (boundary included);
- a building is inside when its anchor (a point on its footprint) intersects the zone; its floor area is
  footprint area × storeys, in m² on the zone's UTM zone;
- a compound is inside when a point on its surface lies in the zone.
"""

from django.contrib.gis.db.models import Union
from django.contrib.gis.db.models.functions import Distance, PointOnSurface, Transform
from django.db.models import Count, F, FloatField, Func, Q, Sum
from django.db.models.functions import Coalesce

from common.geometry import as_multipolygon, metric_srid_for, to_metric
from grids.models import Building, Compound, Household


class MetricArea(Func):
    """ST_Area of a geometry transformed to a metric SRID: m²."""

    function = "ST_Area"
    output_field = FloatField()

    def __init__(self, expression, srid):
        super().__init__(Transform(expression, srid))


def compounds_inside(boundary):
    return list(
        Compound.objects.filter(boundary__intersects=boundary)
        .annotate(inner=PointOnSurface("boundary"))
        .filter(inner__intersects=boundary)
        .order_by("name")
    )


def households_inside(boundary):
    """Households located in the boundary, and those without a location of their own whose building is in it
    (left out, they would drop from the consent rate's denominator)."""
    return Household.objects.filter(
        Q(location__intersects=boundary) | Q(location__isnull=True, building__anchor__intersects=boundary)
    )


def buildings_inside(boundary):
    return Building.objects.filter(anchor__intersects=boundary)


def zone_statistics(zone):
    boundary = zone.boundary
    srid = metric_srid_for(boundary)
    households = households_inside(boundary).aggregate(
        count=Count("id"),
        residents=Coalesce(Sum("residents"), 0),
        resident=Count("id", filter=Q(status=Household.Status.RESIDENT)),
        elderly_alone=Count("id", filter=Q(elderly_alone=True)),
        low_income=Count("id", filter=Q(low_income=True)),
    )
    buildings = buildings_inside(boundary)
    totals = buildings.aggregate(
        count=Count("id"),
        footprint_m2=Coalesce(Sum(MetricArea("footprint", srid)), 0.0),
        floor_area_m2=Coalesce(Sum(MetricArea("footprint", srid) * F("storeys"), output_field=FloatField()), 0.0),
    )
    by_decade = (
        buildings.annotate(decade=F("year_built") / 10 * 10).values("decade").annotate(n=Count("id")).order_by("decade")
    )
    by_storeys = buildings.values("storeys").annotate(n=Count("id")).order_by("storeys")
    stats = {
        "srid": srid,
        "area_m2": round(to_metric(boundary, srid).area, 1),
        "households": households,
        "buildings": {
            "count": totals["count"],
            "footprint_m2": round(totals["footprint_m2"], 1),
            "floor_area_m2": round(totals["floor_area_m2"], 1),
            "by_decade": [{"decade": r["decade"], "count": r["n"]} for r in by_decade],
            "by_storeys": [{"storeys": r["storeys"], "count": r["n"]} for r in by_storeys],
        },
        "compounds": [{"id": c.pk, "name": c.name} for c in compounds_inside(boundary)],
    }
    from planning import providers

    stats.update(providers.computed(zone, srid))  # figures other apps register (assets, cases, imagery)
    return stats


def adjacent_compounds(geom, distance_m, exclude=()):
    """Compounds within distance_m metres of geom, nearest first.

    The GiST index on the stored boundaries narrows the search to the box around geom widened by distance_m;
    the exact test is ST_DWithin on the UTM geometry, in metres.
    """
    srid = metric_srid_for(geom)
    metric = to_metric(geom, srid)
    reach = metric.buffer(distance_m + 1.0, 8)
    reach.transform(4326)
    return (
        Compound.objects.filter(boundary__bboverlaps=reach.envelope)
        .exclude(pk__in=list(exclude))
        .annotate(metric=Transform("boundary", srid))
        .filter(metric__dwithin=(metric, distance_m))
        .annotate(distance=Distance("metric", metric))
        .order_by("distance", "name")
    )


def union_of(compound_ids=(), building_ids=(), buffer_m=0.0):
    """The union of the chosen compounds' boundaries and buildings' footprints, buffered by buffer_m metres."""
    parts = []
    if compound_ids:
        parts.append(Compound.objects.filter(pk__in=compound_ids).aggregate(u=Union("boundary"))["u"])
    if building_ids:
        parts.append(Building.objects.filter(pk__in=building_ids).aggregate(u=Union("footprint"))["u"])
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    geom = parts[0]
    for p in parts[1:]:
        geom = geom.union(p)
    geom.srid = 4326
    if buffer_m:
        srid = metric_srid_for(geom)
        metric = to_metric(geom, srid).buffer(buffer_m, 8)
        metric.transform(4326)
        geom = metric
    return as_multipolygon(geom)
