"""Small builders for asset tests, in metres relative to grids.tests.factories.ORIGIN."""

from shapely.geometry import box

from assets.models import Asset
from grids.tests.factories import geos, point


def make_asset(types, code, x, y, name=None, **attrs):
    return Asset.objects.create(type=types[code], name=name or f"{code}-{x}-{y}", geom=point(x, y), **attrs)


def make_green(types, x0, y0, x1, y1, name="绿地", **attrs):
    poly = geos(box(x0, y0, x1, y1))[0]  # a Polygon (geos() gives a MultiPolygon)
    return Asset.objects.create(type=types["0401"], name=name, geom=poly, **attrs)
