"""Set-based spatial questions about assets: nearest facilities, service areas, adoption coverage.

Every function is one or two SQL statements through the ORM, using the GiST indexes of the geometries;
distances and areas are measured in metres on the UTM zone of the data (common.geometry.metric_srid).
"""

import math
from dataclasses import dataclass

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import GeometryDistance, Transform
from django.contrib.gis.geos import Point
from django.db import connection, connections
from django.db.models import BooleanField, Exists, FloatField, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from assets.models import Adoption, Asset
from common.geometry import metric_srid

MAX_NEAREST = 50
MAX_RADIUS_M = 5000


def _metres_to_degrees(metres, lat):
    """A radius in degrees that surely holds `metres` around latitude `lat` (index pre-filter only)."""
    return metres / (111_320.0 * math.cos(math.radians(min(abs(lat) + 1.0, 89.0)))) * 1.02 + 1e-7


def _sum(expr):
    return Func(expr, function="SUM", output_field=FloatField())


def _transform(expr, srid):
    return Func(expr, Value(srid), function="ST_Transform", output_field=GeometryField(srid=srid))


def _area_m2(geom_expr, srid):
    return Func(_transform(geom_expr, srid), function="ST_Area", output_field=FloatField())


# --- nearest -----------------------------------------------------------------------------


def nearest(point, types, n=5, queryset=None):
    """The n assets of the given types nearest to `point` (EPSG:4326), with straight-line distance in metres.

    Two indexed queries: a KNN (<->) search finds the n-th nearest in degrees, which bounds the radius
    that can hold the n nearest in metres; within that radius assets are ranked by their metric distance.
    """
    n = max(1, min(int(n), MAX_NEAREST))
    point = Point(point.x, point.y, srid=4326)
    qs = (queryset if queryset is not None else Asset.objects.public()).filter(type__in=types)
    kth = list(qs.annotate(d=GeometryDistance("anchor", point)).order_by("d").values_list("d", flat=True)[n - 1 : n])
    srid = metric_srid(point.x, point.y)
    here = point.transform(srid, clone=True)
    if kth:
        # Degrees per metre vary with direction by at most 1/cos(lat): widen the KNN radius by that much.
        reach = kth[0] / math.cos(math.radians(min(abs(point.y) + 1.0, 89.0))) * 1.02 + 1e-7
        qs = qs.filter(anchor__dwithin=(point, reach))
    distance = Func(
        Transform("anchor", srid),
        Value(here, output_field=GeometryField(srid=srid)),
        function="ST_Distance",
        output_field=FloatField(),
    )
    return list(qs.select_related("type__family").annotate(distance_m=distance).order_by("distance_m", "id")[:n])


# --- service areas -------------------------------------------------------------------------


def _covered(location_ref, types, radius_m, srid, lat):
    """EXISTS an asset of `types` within radius_m metres of the outer row's location."""
    within = Func(
        _transform("anchor", srid),
        _transform(location_ref, srid),
        Value(float(radius_m)),
        function="ST_DWithin",
        output_field=BooleanField(),
    )
    return Exists(
        Asset.objects.filter(type__in=types)
        .filter(anchor__dwithin=(location_ref, _metres_to_degrees(radius_m, lat)))
        .filter(within)
    )


@dataclass
class CellCoverage:
    id: int
    code: str
    name: str
    community: str
    households: int
    covered: int
    boundary: object

    @property
    def uncovered(self):
        return self.households - self.covered

    @property
    def percent(self):
        return round(100.0 * self.covered / self.households, 1) if self.households else None


def _household_counts(cells, types, radius_m, srid, lat):
    """{cell id: (households, households within radius_m metres of an asset of `types`)} in one statement.

    The assets that can reach a cell are found once per cell through the GiST index (inside its bounding box
    widened by the radius in degrees: a box test, cheaper than a distance to the polygon, and a superset) and
    gathered into one multipoint in metres; each household of the cell is then measured against that multipoint
    only. The same answer as probing the index once per household, for a fraction of the cost when the cells hold
    thousands of households. The tables are read through the models' own querysets (soft-deleted households and
    the asset filters apply). The cells are read with IN (subquery) and the households joined to them: a
    `= ANY(ARRAY(subquery))` filter left the planner guessing 10 cells and 2,019 households for a district of 5,000
    cells and 1M households (statistics cannot help there: the array is unknown when the plan is made).
    """
    from grids.models import Household

    cell_sql, cell_params = cells.order_by().values("pk").query.sql_with_params()
    hh_sql, hh_params = Household.objects.order_by().values("cell_id", "location").query.sql_with_params()
    asset_sql, asset_params = (
        Asset.objects.filter(type__in=types, anchor__isnull=False).order_by().values("anchor").query.sql_with_params()
    )
    sql = f"""
        WITH scope AS MATERIALIZED (
            SELECT c.id, c.boundary FROM {connection.ops.quote_name(cells.model._meta.db_table)} c
             WHERE c.id IN ({cell_sql})),
        near AS (
            SELECT s.id AS cell_id, ST_Collect(ST_Transform(a.anchor, %s)) AS pts
              FROM scope s JOIN ({asset_sql}) a ON a.anchor && ST_Expand(s.boundary, %s)
             GROUP BY s.id)
        SELECT h.cell_id, count(*),
               count(*) FILTER (WHERE n.pts IS NOT NULL AND ST_DWithin(n.pts, ST_Transform(h.location, %s), %s))
          FROM ({hh_sql}) h
          JOIN scope s ON s.id = h.cell_id
          LEFT JOIN near n ON n.cell_id = h.cell_id
         GROUP BY h.cell_id"""
    params = (
        *cell_params,
        srid,
        *asset_params,
        _metres_to_degrees(radius_m, lat),
        *hh_params,
        srid,
        float(radius_m),
    )
    with connections[cells.db].cursor() as cur:  # where the router reads the cells (the replica, for a public read)
        cur.execute(sql, params)
        return {cell_id: (n, covered) for cell_id, n, covered in cur.fetchall()}


def service_area(types, radius_m, cells):
    """Per grid cell: households, and how many lie within radius_m metres of an asset of `types`.

    Households appear as counts only. Returns (rows, uncovered buildings queryset).
    """
    from grids.models import Building

    radius_m = float(radius_m)
    first = cells.first()
    if first is None:
        return [], Building.objects.none()
    c = first.boundary.centroid
    srid = metric_srid(c.x, c.y)
    counts = _household_counts(cells, types, radius_m, srid, c.y)
    rows = cells.select_related("community").order_by("code")
    result = [
        CellCoverage(
            id=r.pk,
            code=r.code,
            name=r.name,
            community=r.community.name,
            households=counts.get(r.pk, (0, 0))[0],
            covered=counts.get(r.pk, (0, 0))[1],
            boundary=r.boundary,
        )
        for r in rows
    ]
    buildings = Building.objects.filter(cell__in=cells).exclude(
        _covered(OuterRef("anchor"), types, radius_m, srid, c.y)
    )
    return result, buildings


# --- adoption coverage --------------------------------------------------------------------


@dataclass
class AdoptionCoverage:
    id: int
    code: str
    name: str
    green_m2: float
    adopted_m2: float

    @property
    def share(self):
        return round(100.0 * self.adopted_m2 / self.green_m2, 1) if self.green_m2 else None


def adoption_coverage(areas, day=None, srid=None):
    """Adopted green area / total green area for each polygon of `areas` (grid cells or communities).

    Green polygons are clipped to each area, so a green space crossing a boundary counts on both sides
    by the part that lies there. Adopted = an approved adoption whose period holds `day`.
    """
    day = day or timezone.localdate()
    first = areas.first()
    if first is None:
        return []
    if srid is None:
        c = first.boundary.centroid
        srid = metric_srid(c.x, c.y)
    green = Asset.objects.green().filter(geom__intersects=OuterRef("boundary")).order_by()
    clipped = _area_m2(
        Func("geom", OuterRef("boundary"), function="ST_Intersection", output_field=GeometryField(srid=4326)), srid
    )
    adopted_ids = Adoption.objects.active_on(day).values("asset_id")
    rows = areas.annotate(
        green_m2=Coalesce(Subquery(green.annotate(s=_sum(clipped)).values("s")[:1]), 0.0),
        adopted_m2=Coalesce(
            Subquery(green.filter(pk__in=adopted_ids).annotate(s=_sum(clipped)).values("s")[:1]),
            0.0,
        ),
    )
    code = "code" if "code" in {f.name for f in areas.model._meta.fields} else "pk"
    return [
        AdoptionCoverage(
            id=r.pk,
            code=getattr(r, "full_code", None) or getattr(r, code),
            name=str(r.name or r),
            green_m2=r.green_m2,
            adopted_m2=r.adopted_m2,
        )
        for r in rows
    ]


def adoption_status_filter(status, day=None):
    """Q for assets that are open for adoption and free today ("open") or adopted today ("adopted")."""
    day = day or timezone.localdate()
    active = Adoption.objects.active_on(day).values("asset_id")
    if status == "adopted":
        return Q(pk__in=active)
    if status == "open":
        return Q(open_for_adoption=True) & ~Q(pk__in=active)
    return Q()
