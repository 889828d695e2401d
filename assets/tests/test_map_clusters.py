"""The kept clusters of the public facility map (assets/map_clusters.py) equal the direct grouping of the facilities
(assets.map_tiles.direct_cluster_sql) after random edits of every kind — single saves, queryset updates, bulk
inserts and deletes, other types and families, types made public or not, adoptions begun and ended — at several
zooms, with facilities on tile edges, across the antimeridian and beyond the Mercator latitudes."""

import datetime
import random

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from assets import map_clusters
from assets.map_tiles import CLUSTER_BELOW, direct_cluster_sql
from assets.models import Adoption, Asset, AssetType
from assets.tasks import roll_map_clusters
from assets.tests.helpers import make_asset
from layers.tiles import tile_bounds

pytestmark = pytest.mark.django_db

ZOOMS = (0, 3, 8, 11, 13, CLUSTER_BELOW - 1)
POINT_TYPES = ["0101", "0102", "0202", "0301", "0302", "0304", "0402", "0502", "0601", "0602"]


def tiles_holding(x, y, z):
    """The tile whose bounds (layers.tiles.tile_bounds, half-open) hold (x, y), or None."""
    import math

    n = 2**z
    tx = int(math.floor((x + 180) / 360 * n))
    ty = int(math.floor((1 - math.asinh(math.tan(math.radians(max(min(y, 89.9), -89.9)))) / math.pi) / 2 * n))
    for cx in (tx - 1, tx, tx + 1):
        for cy in (ty - 1, ty, ty + 1):
            if 0 <= cx < n and 0 <= cy < n:
                west, south, east, north = tile_bounds(z, cx, cy)
                if west <= x < east and south <= y < north:
                    return cx, cy
    return None


def decoded(sql_params):
    sql, params = sql_params
    with connection.cursor() as cur:
        cur.execute(sql, params)
        data = bytes(cur.fetchone()[0] or b"")
    feats = mapbox_vector_tile.decode(data).get("asset-map", {}).get("features", [])
    return sorted((tuple(sorted(f["properties"].items())), tuple(f["geometry"]["coordinates"])) for f in feats), data


def compare_everywhere(extra_points=()):
    """Every tile at each zoom of ZOOMS that holds a facility (or a kept cluster, or one of extra_points): the kept
    tile's features equal the direct grouping's, property by property and coordinate by coordinate."""
    roll_map_clusters()  # as the worker does (a tile no longer rolls them)
    points = [(p.x, p.y) for p in Asset.objects.values_list("anchor", flat=True)] + list(extra_points)
    compared = 0
    for z in ZOOMS:
        tiles = {t for t in (tiles_holding(x, y, z) for x, y in points) if t}
        with connection.cursor() as cur:
            cur.execute(f"SELECT DISTINCT tx, ty FROM {map_clusters.CLUSTER_TABLE} WHERE z = %s", [z])
            tiles |= set(cur.fetchall())
        for tx, ty in sorted(tiles):
            kept, kept_bytes = decoded(map_clusters.cluster_sql(z, tx, ty))
            direct, _ = decoded(direct_cluster_sql(z, tx, ty))
            assert kept == direct, (z, tx, ty)
            compared += len(direct)
    return compared


def counted_in_kept():
    with connection.cursor() as cur:
        cur.execute(f"SELECT z, sum(n) FROM {map_clusters.CLUSTER_TABLE} GROUP BY z ORDER BY z")
        return dict(cur.fetchall())


def adopt(asset, user, start, end, status=Adoption.Status.APPROVED):
    return Adoption.objects.create(
        asset=asset, applicant=user, adopter_kind="household", adopter_name="王芳", contact_phone="13812345678",
        status=status, start=start, end=end,
    )  # fmt: skip


def bulk_insert(types, rng, n):
    """A bulk import: one INSERT of n facilities (no save(), no signal)."""
    district = Asset.objects.first().district
    serial = Asset.objects.order_by("-serial").values_list("serial", flat=True).first() + 1000
    rows = []
    for i in range(n):
        t = types[rng.choice(POINT_TYPES)]
        p = Asset.objects.first().anchor
        pt = Point(p.x + rng.uniform(-0.01, 0.01), p.y + rng.uniform(-0.01, 0.01), srid=4326)
        rows.append(
            Asset(
                type=t, name=f"导入{i}", geom=pt, anchor=pt, district=district, serial=serial + i,
                identifier=f"{district.code}{t.full_code}{serial + i:06d}", open_for_adoption=rng.random() < 0.3,
            )
        )  # fmt: skip
    Asset.objects.bulk_create(rows)


def test_kept_clusters_equal_the_direct_grouping_after_random_edits(types, town, django_user_model):
    rng = random.Random(16)
    user = django_user_model.objects.create_user("adopter")
    today = timezone.localdate()
    for i in range(60):
        make_asset(
            types, rng.choice(POINT_TYPES), rng.uniform(0, 1000), rng.uniform(0, 800), name=f"设施{i}",
            open_for_adoption=rng.random() < 0.4,
        )  # fmt: skip
    assert compare_everywhere() > 0
    # Facilities placed by an update (no save): exactly on tile edges and corners, across the antimeridian,
    # beyond the Mercator latitudes and on the east edge of the world (in no tile there).
    some = list(Asset.objects.order_by("id")[:12])
    anchor = some[0].anchor
    placed = []
    for z in (8, 11, 13, CLUSTER_BELOW - 1):
        tx, ty = tiles_holding(anchor.x, anchor.y, z)
        west, south, east, north = tile_bounds(z, tx, ty)
        placed += [(west, (south + north) / 2), ((west + east) / 2, north), (east, south)]
    placed += [(179.9999999, -16.5), (-180.0, -16.5), (180.0, 10.0), (0.0, 0.0), (12.5, 85.06), (-70.0, -85.05)]
    for asset, (x, y) in zip(some, placed, strict=False):
        Asset.objects.filter(pk=asset.pk).update(anchor=Point(x, y, srid=4326))
    assert compare_everywhere() > 0

    for a in Asset.objects.public().filter(open_for_adoption=True).exclude(pk__in=[x.pk for x in some])[:6]:
        adopt(a, user, today - datetime.timedelta(days=3), today + datetime.timedelta(days=3))
    public_types = [c for c in POINT_TYPES if types[c].public]
    seen = [False] * 4
    for step in range(70):
        assets = list(Asset.objects.order_by("id"))
        a = rng.choice(assets)
        kind = rng.choice(
            ["insert", "move", "type", "offer", "adopt", "adopt", "unadopt", "delete", "publish", "bulk", "bulk-update"]
        )
        if kind == "insert":
            make_asset(types, rng.choice(POINT_TYPES), rng.uniform(0, 1000), rng.uniform(0, 800),
                       open_for_adoption=rng.random() < 0.5)  # fmt: skip
        elif kind == "move":
            p = a.anchor
            Asset.objects.filter(pk=a.pk).update(
                anchor=Point(p.x + rng.uniform(-0.02, 0.02), p.y + rng.uniform(-0.02, 0.02), srid=4326)
            )
        elif kind == "type":  # another type, perhaps of another family or not public
            a.type = types[rng.choice(POINT_TYPES)]
            Asset.objects.filter(pk=a.pk).update(type=a.type, serial=900_000 + step)  # a serial free in any type
        elif kind == "offer":
            a.open_for_adoption = not a.open_for_adoption
            a.save()
        elif kind == "adopt":
            a = rng.choice([x for x in assets if x.open_for_adoption] or assets)
            if a.adoptions.exists():
                continue
            start = today - datetime.timedelta(days=rng.randint(0, 30))
            adopt(a, user, start, start + datetime.timedelta(days=rng.randint(0, 60)),
                  status=rng.choice([Adoption.Status.APPROVED, Adoption.Status.PENDING]))  # fmt: skip
        elif kind == "unadopt":
            found = Adoption.objects.filter(asset__in=assets).order_by("?").first()
            if found is not None and rng.random() < 0.5:
                Adoption.objects.filter(pk=found.pk).update(status=Adoption.Status.WITHDRAWN)
            elif found is not None:
                found.delete()
        elif kind == "delete":
            Adoption.objects.filter(asset=a).delete()
            a.delete()
        elif kind == "publish":  # a type made public or not (and back, now and then, with another family)
            t = types[rng.choice(public_types + ["0601"])]
            AssetType.objects.filter(pk=t.pk).update(public=not AssetType.objects.get(pk=t.pk).public)
        elif kind == "bulk":
            bulk_insert(types, rng, rng.randint(5, 40))
        elif kind == "bulk-update":
            Asset.objects.filter(pk__in=[x.pk for x in rng.sample(assets, min(10, len(assets)))]).update(
                open_for_adoption=rng.random() < 0.5
            )
        if step % 10 == 9:
            assert compare_everywhere(placed) > 0, step
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT bool_or(n = 1), bool_or(n > 1), bool_or(n_adopted > 0 AND n_offered > n_open),"
                    f" bool_or(n_open > 0) FROM {map_clusters.CLUSTER_TABLE}"
                )
                seen = [a or b for a, b in zip(seen, cur.fetchone(), strict=True)]
    assert compare_everywhere(placed) > 0
    assert all(seen)  # the edits made clusters of every kind: of one and of several, open, offered and adopted
    # a type moved to another family takes its facilities with it
    AssetType.objects.filter(pk=types["0304"].pk).update(public=True, family=types["0502"].family)  # 0504 is free
    assert compare_everywhere(placed) > 0
    # every counted facility is in one bin per zoom, as the public facilities in tiles are
    kept = counted_in_kept()
    assert kept[0] == sum(
        1 for p in Asset.objects.public().values_list("anchor", flat=True) if tiles_holding(p.x, p.y, 0) is not None
    )
    assert len(set(kept.values())) == 1  # the same facilities at every zoom


def test_a_rolled_back_write_leaves_the_kept_clusters_as_they_were(types, town):
    make_asset(types, "0304", 100, 100, open_for_adoption=True)
    before = counted_in_kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_asset(types, "0304", 200, 100)
        assert counted_in_kept() != before
        raise RuntimeError("rolled back")
    assert counted_in_kept() == before
    assert compare_everywhere() > 0


def test_a_new_day_takes_adoptions_that_began_or_ended_since(types, town, django_user_model):
    user = django_user_model.objects.create_user("adopter")
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    ended = make_asset(types, "0402", 100, 100, open_for_adoption=True)
    begins = make_asset(types, "0402", 110, 100, open_for_adoption=True)
    adopt(ended, user, today - 10 * day, today - day)  # over yesterday
    adopt(begins, user, today, today + 10 * day)  # from today
    map_clusters.roll(today - 2 * day)  # the clusters as they were two days ago
    assert map_clusters.kept_day() == today - 2 * day
    with connection.cursor() as cur:
        cur.execute(f"SELECT sum(n_open), sum(n_adopted) FROM {map_clusters.CLUSTER_TABLE} WHERE z = 0")
        assert cur.fetchone() == (1, 1)  # then: `ended` adopted, `begins` still open
    assert compare_everywhere() > 0  # the worker's task moves them to today
    assert map_clusters.kept_day() == today


def test_the_extent_of_the_public_facilities_is_read_from_the_kept_members(types, town):
    from django.contrib.gis.db.models import Extent

    from assets.map_tiles import public_extent

    assert public_extent() is None
    make_asset(types, "0304", 100, 100)
    far = make_asset(types, "0601", 900, 700)  # a camera: not public, not in the extent
    last = make_asset(types, "0301", 400, 300)
    box = Asset.objects.public().aggregate(box=Extent("anchor"))["box"]
    assert public_extent() == [round(v, 6) for v in box]
    assert public_extent()[2] < far.anchor.x and public_extent()[3] < far.anchor.y
    Asset.objects.filter(pk=last.pk).update(anchor=Point(114.35, 30.6, srid=4326))  # moved by a queryset update
    box = Asset.objects.public().aggregate(box=Extent("anchor"))["box"]
    assert public_extent() == [round(v, 6) for v in box]
    Asset.objects.filter(pk=last.pk).delete()
    box = Asset.objects.public().aggregate(box=Extent("anchor"))["box"]
    assert public_extent() == [round(v, 6) for v in box]
