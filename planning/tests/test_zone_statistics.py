"""Zone statistics against an independent shapely computation on the same shapes in metres."""

import random
from collections import Counter

import pytest
from shapely.geometry import Point, Polygon, box

from grids.models import Household
from grids.tests.factories import geos, make_community, point
from planning import services, stats
from planning.models import Zone
from planning.tests.factories import building, compound, zone

pytestmark = pytest.mark.django_db


def random_city(community, seed):
    rng = random.Random(seed)
    c = compound(community, 0, 0, 900, 700, name="幸福小区")
    shapes = []
    for _i in range(40):
        x, y = rng.uniform(10, 850), rng.uniform(10, 650)
        w, h = rng.uniform(10, 40), rng.uniform(8, 30)
        year = rng.choice([None, 1962, 1975, 1983, 1988, 1991, 1999, 2004, 2012])
        storeys = rng.choice([None, 2, 3, 5, 6, 6, 7, 11])
        b = building(c, x, y, x + w, y + h, year=year, storeys=storeys, households=rng.randint(0, 5), residents=2)
        shapes.append((box(x, y, x + w, y + h), year, storeys, b))
    loose = [(rng.uniform(1, 899), rng.uniform(1, 699), rng.randint(1, 6)) for _ in range(300)]
    Household.objects.bulk_create(Household(head_name="李四", residents=r, location=point(x, y)) for x, y, r in loose)
    return shapes, loose


def test_statistics_match_an_independent_computation(django_capture_on_commit_callbacks):
    community = make_community()
    shapes, loose = random_city(community, seed=7)
    zone_shape = Polygon([(50, 40), (620, 10), (700, 420), (380, 640), (30, 500)])
    z = Zone(name="试点片区", boundary=geos(zone_shape))
    z.full_clean()
    with django_capture_on_commit_callbacks(execute=True):
        services.save_zone(z)
    s = Zone.objects.get(pk=z.pk).stats

    inside = [(shape, year, storeys, b) for shape, year, storeys, b in shapes if zone_shape.contains(shape)]
    straddling = [b for shape, *_rest, b in shapes if zone_shape.intersects(shape) and not zone_shape.contains(shape)]
    # a building is counted by the point on its footprint; straddling ones are checked one by one below
    anchor_in = [b.pk for b in straddling if zone_shape.intersects(Point(*_metres(b.anchor)))]
    counted = inside + [x for x in shapes if x[3].pk in anchor_in]
    assert s["area_m2"] == pytest.approx(zone_shape.area, rel=1e-6)
    assert s["buildings"]["count"] == len(counted)
    assert s["buildings"]["footprint_m2"] == pytest.approx(sum(x[0].area for x in counted), abs=0.2)
    assert s["buildings"]["floor_area_m2"] == pytest.approx(sum(x[0].area * (x[2] or 0) for x in counted), abs=0.5)
    decades = Counter((x[1] // 10 * 10) if x[1] else None for x in counted)
    assert {d["decade"]: d["count"] for d in s["buildings"]["by_decade"]} == dict(decades)
    assert {d["storeys"]: d["count"] for d in s["buildings"]["by_storeys"]} == dict(Counter(x[2] for x in counted))

    building_households = [(h.location, h.residents) for h in Household.objects.filter(building__isnull=False)]
    expected_h = [r for x, y, r in loose if zone_shape.contains(Point(x, y))]
    expected_h += [r for loc, r in building_households if zone_shape.contains(Point(*_metres(loc)))]
    assert s["households"]["count"] == len(expected_h)
    assert s["households"]["residents"] == sum(expected_h)
    compound_shape = box(0, 0, 900, 700)
    expected_compounds = ["幸福小区"] if zone_shape.contains(compound_shape.point_on_surface()) else []
    assert [c["name"] for c in s["compounds"]] == expected_compounds
    assert [c.name for c in z.compounds.all()] == expected_compounds


def test_a_changed_boundary_recomputes_the_statistics(django_capture_on_commit_callbacks):
    community = make_community()
    c = compound(community, 0, 0, 400, 400)
    building(c, 10, 10, 30, 30, households=5, residents=2)
    building(c, 300, 300, 330, 330, households=2, residents=4)
    z = zone(0, 0, 100, 100)
    assert z.stats["households"] == {**z.stats["households"], "count": 5, "residents": 10}
    z.boundary = geos(box(0, 0, 400, 400))
    with django_capture_on_commit_callbacks() as refresh:
        services.save_zone(z)
    z.refresh_from_db()
    assert z.stats["households"]["count"] == 5  # the save only saved: the figures follow once it has committed
    assert len(refresh) == 1
    refresh[0]()
    z.refresh_from_db()
    assert (z.stats["households"]["count"], z.stats["households"]["residents"]) == (7, 18)
    assert [x["name"] for x in z.stats["compounds"]] == ["和平小区"]


def test_adjacent_compounds_within_a_distance_in_metres():
    community = make_community()
    a = compound(community, 0, 0, 100, 100, name="甲小区")
    compound(community, 130, 0, 230, 100, name="乙小区")  # 30 m east of A
    c = compound(community, 300, 0, 400, 100, name="丙小区")  # 200 m east of A
    near = list(stats.adjacent_compounds(a.boundary, 50, exclude=[a.pk]))
    assert [x.name for x in near] == ["乙小区"]
    assert near[0].distance.m == pytest.approx(30, abs=0.01)
    wide = list(stats.adjacent_compounds(a.boundary, 250, exclude=[a.pk]))
    assert [x.name for x in wide] == ["乙小区", "丙小区"]
    assert wide[1].distance.m == pytest.approx(200, abs=0.01)
    assert c.pk not in [x.pk for x in stats.adjacent_compounds(a.boundary, 199, exclude=[a.pk])]


def test_zone_built_from_compounds_is_their_buffered_union():
    community = make_community()
    a = compound(community, 0, 0, 100, 100, name="甲小区")
    b = compound(community, 100, 0, 200, 100, name="乙小区")
    union = stats.union_of([a.pk, b.pk])
    assert union.transform(32650, clone=True).area == pytest.approx(200 * 100, rel=1e-6)
    buffered = stats.union_of([a.pk, b.pk], buffer_m=10)
    expected = box(0, 0, 200, 100).buffer(10, 8).area
    assert buffered.transform(32650, clone=True).area == pytest.approx(expected, rel=1e-4)


def _metres(p):
    from grids.tests.factories import ORIGIN

    q = p.transform(32650, clone=True)
    return q.x - ORIGIN.x, q.y - ORIGIN.y
