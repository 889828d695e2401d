"""Rules checked when a responsibility area is saved: inside its community, no overlap with areas of its kind."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext

from common.geometry import metric_srid_for
from grids.models import Community
from grids.topology import outside_area_m2

_OVERLAPS_SQL = """
SELECT a.id, a.name, ST_Area(ST_Intersection(ST_Transform(a.area, %(srid)s), ST_Transform(g.geom, %(srid)s)))
  FROM responsibility_responsibilityarea a,
       (SELECT ST_GeomFromEWKB(decode(%(hex)s, 'hex')) AS geom) g
 WHERE a.kind = %(kind)s
   AND a.deleted_at IS NULL
   AND a.id <> %(id)s
   AND ST_Intersects(a.area, g.geom)
   AND (a.end IS NULL OR a.end >= %(start)s)
   AND (%(end)s::date IS NULL OR a.start <= %(end)s::date)
"""


def tolerance():
    return settings.GRIDWORK["TILING_TOLERANCE_M2"]


def overlaps(area):
    """Areas of the same kind and overlapping period whose overlap with area exceeds the tolerance: (id, name, m²)."""
    params = {
        "srid": metric_srid_for(area.area),
        "hex": area.area.hexewkb.decode() if isinstance(area.area.hexewkb, bytes) else area.area.hexewkb,
        "kind": area.kind,
        "id": area.pk or 0,
        "start": area.start,
        "end": area.end,
    }
    with connection.cursor() as cur:
        cur.execute(_OVERLAPS_SQL, params)
        return [(i, name, m2) for i, name, m2 in cur.fetchall() if m2 > tolerance()]


def check_area(area):
    if not area.community_id:
        found = Community.objects.filter(boundary__covers=area.area.point_on_surface).first()
        if found is None:
            raise ValidationError(gettext("This area is outside every community of the district."))
        area.community = found
    outside = outside_area_m2(area.area, area.community.boundary)
    if outside > tolerance():
        raise ValidationError(
            gettext("%(area).1f m² of this area lies outside community %(c)s.")
            % {"area": outside, "c": area.community.name}
        )
    found = overlaps(area)
    if found:
        raise ValidationError(
            [
                gettext("Overlaps %(name)s (same kind, same period) by %(area).1f m².") % {"name": name, "area": m2}
                for _i, name, m2 in found
            ]
        )
