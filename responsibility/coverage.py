"""Coverage of a community by each kind of responsibility area: share of area and of street length, gaps, overlaps.

Each layer is aggregated in PostGIS in one query (a union per kind, a union of the streets) on the community's
UTM zone; the few aggregated geometries are then intersected in GEOS.
"""

from dataclasses import dataclass

from django.contrib.gis.db.models import Union
from django.contrib.gis.db.models.functions import Transform
from django.db import connections
from django.utils import timezone

from common.geometry import metric_srid_for
from grids.models import Road
from responsibility.models import ResponsibilityArea
from responsibility.rules import tolerance


@dataclass
class KindCoverage:
    kind: str
    label: str
    areas: int
    area_m2: float
    covered_m2: float
    road_m: float
    covered_road_m: float
    gap_area: object  # GEOS geometry, EPSG:4326
    gap_roads: object

    @property
    def area_share(self):
        return self.covered_m2 / self.area_m2 if self.area_m2 else 0.0

    @property
    def road_share(self):
        return self.covered_road_m / self.road_m if self.road_m else 0.0

    @property
    def area_pct(self):
        return round(100 * self.area_share, 1)

    @property
    def road_pct(self):
        return round(100 * self.road_share, 1)


_OVERLAPS_SQL = """
SELECT a.kind, a.name, b.name,
       ST_Area(ST_Intersection(ST_Transform(a.area, %(srid)s), ST_Transform(b.area, %(srid)s)))
  FROM responsibility_responsibilityarea a
  JOIN responsibility_responsibilityarea b
    ON a.kind = b.kind AND a.id < b.id AND ST_Intersects(a.area, b.area)
 WHERE a.community_id = %(cid)s AND b.community_id = %(cid)s
   AND a.deleted_at IS NULL AND b.deleted_at IS NULL
   AND a.start <= %(day)s AND (a.end IS NULL OR a.end >= %(day)s)
   AND b.start <= %(day)s AND (b.end IS NULL OR b.end >= %(day)s)
"""


def _to_4326(geom, srid):
    if geom is None:
        return None
    geom.srid = srid
    return geom.transform(4326, clone=True)


def coverage(community, day=None):
    day = day or timezone.localdate()
    srid = metric_srid_for(community.boundary)
    boundary = community.boundary.transform(srid, clone=True)
    roads = Road.objects.filter(line__intersects=community.boundary).aggregate(u=Union(Transform("line", srid)))["u"]
    roads = roads.intersection(boundary) if roads is not None else None
    road_m = roads.length if roads is not None else 0.0
    report = []
    for kind, label in ResponsibilityArea.Kind.choices:
        qs = ResponsibilityArea.objects.active_on(day).filter(community=community, kind=kind)
        agg = qs.aggregate(u=Union(Transform("area", srid)))
        union = agg["u"]
        count = qs.count()
        covered = union.intersection(boundary) if union is not None else None
        covered_m2 = covered.area if covered is not None else 0.0
        covered_road = roads.intersection(union) if (roads is not None and union is not None) else None
        gap_area = boundary.difference(union) if union is not None else boundary.clone()
        gap_roads = roads.difference(union) if (roads is not None and union is not None) else roads
        report.append(
            KindCoverage(
                kind=kind,
                label=str(label),
                areas=count,
                area_m2=boundary.area,
                covered_m2=covered_m2,
                road_m=road_m,
                covered_road_m=covered_road.length if covered_road is not None else 0.0,
                gap_area=_to_4326(gap_area, srid),
                gap_roads=_to_4326(gap_roads.clone(), srid) if gap_roads else None,
            )
        )
    # where the router reads the areas (the read replica for the coverage export)
    with connections[ResponsibilityArea.objects.db].cursor() as cur:
        cur.execute(_OVERLAPS_SQL, {"srid": srid, "cid": community.pk, "day": day})
        overlaps = [(k, a, b, m2) for k, a, b, m2 in cur.fetchall() if m2 > tolerance()]
    return report, overlaps


def as_xlsx(community, report, overlaps, day):
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from common import xlsx

    wb, ws = xlsx.workbook(_("Coverage"))
    ws.append([_("Community"), community.name, _("Date"), day.isoformat()])
    ws.append([])
    xlsx.header(
        ws,
        [
            _("Kind"),
            _("Areas"),
            _("Community area (m²)"),
            _("Covered area (m²)"),
            _("Area share"),
            _("Street length (m)"),
            _("Covered street length (m)"),
            _("Street share"),
        ],
    )
    for k in report:
        ws.append(
            [
                k.label,
                k.areas,
                round(k.area_m2, 1),
                round(k.covered_m2, 1),
                round(k.area_share, 4),
                round(k.road_m, 1),
                round(k.covered_road_m, 1),
                round(k.road_share, 4),
            ]
        )
    for row in ws.iter_rows(min_row=4, min_col=5, max_col=5):
        row[0].number_format = "0.0%"
    for row in ws.iter_rows(min_row=4, min_col=8, max_col=8):
        row[0].number_format = "0.0%"
    ov = xlsx.sheet(wb, _("Overlaps"))
    ov.append([_("Kind"), pgettext("responsibility area", "Area"), _("Other area"), _("Overlap (m²)")])
    for kind, a, b, m2 in overlaps:
        ov.append([str(ResponsibilityArea.Kind(kind).label), a, b, round(m2, 1)])
    return wb
