"""Tiling rules for grid cells: inside the community, no overlaps, no gaps — checked in one SQL query."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext

from common.geometry import metric_srid_for, to_metric


@dataclass
class Problem:
    kind: str  # overlap | outside | gap
    cells: tuple
    area_m2: float
    message: str


def tolerance():
    return settings.GRIDWORK["TILING_TOLERANCE_M2"]


def outside_area_m2(geom, container):
    """Area in m² of the part of geom that lies outside container."""
    srid = metric_srid_for(container)
    return to_metric(geom, srid).difference(to_metric(container, srid)).area


def require_inside_some_community(point, field):
    from grids.models import Community

    if not Community.objects.filter(boundary__covers=point).exists():
        raise ValidationError(
            {
                field: gettext("This location (%(x).6f, %(y).6f) is outside every community of the district.")
                % {"x": point.x, "y": point.y}
            }
        )


_TILING_SQL = """
WITH proposed AS (
    SELECT c.id::text AS key, c.code AS label, false AS changed, c.boundary AS geom
      FROM grids_gridcell c
     WHERE c.community_id = %(cid)s AND NOT (c.id = ANY(%(replaced)s))
    UNION ALL
    SELECT n.key, n.label, true, ST_GeomFromEWKB(decode(n.hex, 'hex'))
      FROM unnest(%(keys)s::text[], %(labels)s::text[], %(hexes)s::text[]) AS n(key, label, hex)
),
m AS (SELECT key, label, changed, ST_Transform(geom, %(srid)s) AS g FROM proposed),
b AS (SELECT ST_Transform(boundary, %(srid)s) AS g FROM grids_community WHERE id = %(cid)s),
empty AS (SELECT ST_SetSRID('POLYGON EMPTY'::geometry, %(srid)s) AS g),
before AS (
    SELECT COALESCE(ST_Union(ST_Transform(boundary, %(srid)s)), (SELECT g FROM empty)) AS g
      FROM grids_gridcell WHERE community_id = %(cid)s
),
after AS (SELECT COALESCE(ST_Union(g), (SELECT g FROM empty)) AS g FROM m)
SELECT kind, a, b, area FROM (
    SELECT 'overlap' AS kind, a.label AS a, c.label AS b, ST_Area(ST_Intersection(a.g, c.g)) AS area
      FROM m a JOIN m c ON a.key < c.key AND ST_Intersects(a.g, c.g)
     WHERE %(full)s OR a.changed OR c.changed
    UNION ALL
    SELECT 'outside', a.label, NULL, ST_Area(ST_Difference(a.g, b.g))
      FROM m a, b
     WHERE %(full)s OR a.changed
    UNION ALL
    SELECT 'gap', NULL, NULL,
           ST_Area(ST_Difference(b.g, after.g))
           - CASE WHEN %(full)s THEN 0 ELSE ST_Area(ST_Difference(b.g, before.g)) END
      FROM b, after, before
) t
WHERE area > %(tol)s
ORDER BY kind, area DESC
"""


def tiling_problems(community, new_cells=(), replaced_ids=(), full=False):
    """Problems of the community's cells once new_cells [(key, label, geom)] replace replaced_ids.

    With full=False only problems caused by the change are reported (overlaps and outside parts of
    changed cells, and any growth of the uncovered area); full=True reports every problem.
    """
    srid = metric_srid_for(community.boundary)
    params = {
        "cid": community.pk,
        "replaced": [int(i) for i in replaced_ids],
        "keys": [str(k) for k, _label, _g in new_cells],
        "labels": [str(label) for _k, label, _g in new_cells],
        "hexes": [g.hexewkb.decode() if isinstance(g.hexewkb, bytes) else g.hexewkb for _k, _l, g in new_cells],
        "srid": srid,
        "full": full,
        "tol": tolerance(),
    }
    with connection.cursor() as cur:
        cur.execute(_TILING_SQL, params)
        rows = cur.fetchall()
    problems = []
    for kind, a, b, area in rows:
        if kind == "overlap":
            msg = gettext("Cells %(a)s and %(b)s overlap by %(area).1f m².") % {"a": a, "b": b, "area": area}
            cells = (a, b)
        elif kind == "outside":
            msg = gettext("Cell %(a)s extends %(area).1f m² outside community %(c)s.") % {
                "a": a,
                "area": area,
                "c": community.name,
            }
            cells = (a,)
        else:
            msg = gettext("%(area).1f m² of community %(c)s would be covered by no cell (a gap).") % {
                "area": area,
                "c": community.name,
            }
            cells = ()
        problems.append(Problem(kind, cells, float(area), msg))
    return problems


def check_cell_change(community, changes, label=None):
    """Problems caused by giving cells new geometries: changes maps pk (None for a new cell) to geometry."""
    new_cells = [(pk or "new", label or gettext("the new cell"), geom) for pk, geom in changes.items()]
    return tiling_problems(community, new_cells, [pk for pk in changes if pk], full=False)


def check_community(community):
    """Every tiling problem of a community as it is stored."""
    return tiling_problems(community, full=True)
