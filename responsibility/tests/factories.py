from datetime import date

from django.contrib.gis.geos import LineString
from shapely.geometry import box

from grids.tests.factories import geos, point
from responsibility.models import Party, ResponsibilityArea


def org(name="好邻居便利店"):
    return Party.objects.create(kind=Party.Kind.ORGANISATION, name=name)


def polygon_area(community, x0, y0, x1, y1, kind=ResponsibilityArea.Kind.FRONTAGE, party=None, save=True, **kw):
    kw.setdefault("start", date(2026, 1, 1))
    area = ResponsibilityArea(
        kind=kind,
        name=kw.pop("name", f"{kind} {x0},{y0}"),
        community=community,
        party=party or org(),
        area=geos(box(x0, y0, x1, y1)),
        **kw,
    )
    if save:
        area.full_clean()
        area.save()
    return area


def line(*xy):
    pts = [point(x, y) for x, y in xy]
    return LineString([(p.x, p.y) for p in pts], srid=4326)
