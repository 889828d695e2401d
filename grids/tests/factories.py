"""Small test cities built in metres on UTM zone 50N and stored in EPSG:4326."""

import random

import shapely
from django.contrib.gis.geos import GEOSGeometry, Point
from shapely.geometry import box

from grids.models import Community, District, GridCell, Household, Street

UTM = 32650
ORIGIN = Point(114.30, 30.50, srid=4326).transform(UTM, clone=True)


def geos(shape, srid=UTM):
    """A shapely geometry in metres (relative to ORIGIN) as an EPSG:4326 GEOS geometry."""
    shifted = shapely.affinity.translate(shape, ORIGIN.x, ORIGIN.y)
    g = GEOSGeometry(memoryview(shapely.to_wkb(shifted)), srid=srid)
    g.transform(4326)
    if g.geom_type == "Polygon":
        from django.contrib.gis.geos import MultiPolygon

        g = MultiPolygon(g, srid=4326)
    return g


def point(x, y):
    return Point(ORIGIN.x + x, ORIGIN.y + y, srid=UTM).transform(4326, clone=True)


def test_district():
    district, _ = District.objects.get_or_create(
        code="420100", defaults={"name": "测试区", "boundary": geos(box(-2000, -2000, 6000, 6000))}
    )
    return district


def make_community(width=1000, height=800, code="001"):
    district = test_district()
    street, _ = Street.objects.get_or_create(
        district=district, code="001", defaults={"name": "测试街道", "boundary": geos(box(-1000, -1000, 5000, 5000))}
    )
    offset = (int(code) - 1) * (width + 10)
    return Community.objects.create(
        street=street, code=code, name=f"测试社区{code}", boundary=geos(box(offset, 0, offset + width, height))
    )


def make_cells(community, cols=2, rows=2):
    """Cells tiling a rectangular community made by make_community, created through save()."""
    minx, miny, maxx, maxy = community.boundary.transform(UTM, clone=True).extent
    minx, maxx, miny, maxy = minx - ORIGIN.x, maxx - ORIGIN.x, miny - ORIGIN.y, maxy - ORIGIN.y
    w, h = (maxx - minx) / cols, (maxy - miny) / rows
    cells = []
    for r in range(rows):
        for c in range(cols):
            shape = box(minx + c * w, maxy - (r + 1) * h, minx + (c + 1) * w, maxy - r * h)
            cells.append(GridCell.objects.create(community=community, boundary=geos(shape)))
    return cells


def make_households(community, n, seed=1, width=1000, height=800):
    rng = random.Random(seed)
    c0 = community.boundary.transform(UTM, clone=True).extent[0] - ORIGIN.x
    rows = [
        Household(
            head_name="张三",
            phone="13812345678",
            location=point(c0 + rng.uniform(1, width - 1), rng.uniform(1, height - 1)),
        )
        for _ in range(n)
    ]
    return Household.objects.bulk_create(rows)


def in_test_district(user, role="handler"):
    """Give a test account an area, the whole test district, so that the permissions it was given count there
    (accounts.policy fails closed: permissions without an area reach nothing). The handler role brings only the
    case permissions of its own; the account's given permissions do the rest."""
    from accounts.models import Membership

    Membership.objects.create(user=user, role=role, district=test_district())
    return user
