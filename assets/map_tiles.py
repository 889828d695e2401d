"""The public facility map's vector tiles, layer "asset-map": public facilities only, codes and counts, no names.

Below street level (tile zoom < CLUSTER_BELOW) a tile holds clusters: the public facilities of the tile grouped per
family on a grid of CELL_PX pixels, each cluster a point at the mean position of its facilities with `n` (how many),
`n_open` (how many are open for adoption and not adopted now) and, for a cluster of one, `asset` (its id) and
`adoption`. A facility counts in exactly one tile (the one holding its anchor), so a tile's work and size grow with
the cells of the tile, not with the facilities in view. From CLUSTER_BELOW on, a tile holds every public facility
drawn into it with its own geometry, `asset`, `family`, `type`, `adoption` ("open" / "adopted"), `n` = 1 and
`n_open` (1 when open for adoption and not adopted now).

The clusters are kept per (zoom, tile, bin, family) by triggers (assets/map_clusters.py): a cluster tile reads its
few hundred rows from an index, whatever the number of facilities it counts, and shows a change as soon as it is
committed. direct_cluster_sql groups the facilities themselves, as the kept clusters must (the tests compare both).
While the kept clusters are not of today (their day missing after a flush or restore, or yesterday's until the
worker rolls them: map_clusters), a cluster tile is that direct grouping, slower but right, and the request asks the
worker to roll; a request never writes. Both draw the same features, though not always in the same order: the
tile's ETag is the hash of its bytes, so a client (or the cluster's nginx) revalidating a direct tile after the roll
may get the same figures again as a 200, never a 304 for other figures; nothing of this layer is kept in the cache.

Details (name, hours, condition …) come on demand from /api/v1/assets/<id>/popup/ when a facility is clicked.
"""

from django.contrib.gis.geos import Polygon
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from layers.tiles import tile_bounds

NAME = "asset-map"
CLUSTER_BELOW = 15
# The map draws each tile 512 px wide (a tile of zoom z at map zoom z + 1: a quarter of the requests of 256 px
# tiles); clusters are cells of 48 of those pixels.
TILE_PX = 512
CELL_PX = 48


def public_assets():
    from assets.models import Adoption, Asset

    active = Adoption.objects.active_on(timezone.localdate()).filter(asset=OuterRef("pk"))
    return Asset.objects.public().annotate(adopted_now=Exists(active), fam=F("type__family__code"))


def public_extent():
    """[west, south, east, north] of every public facility's anchor (null when there is none): where the map opens
    without ?bbox=. Read from the kept members' coordinate indexes (assets/map_clusters.py): four index ends, however
    many facilities there are; an Extent of the facilities while nothing is kept (no day: the members are empty)."""
    from django.contrib.gis.db.models import Extent
    from django.db import connections

    from assets.map_clusters import MEMBER_TABLE, META_TABLE
    from assets.models import Asset

    ends = ", ".join(
        f"(SELECT {f}({c}) FROM {MEMBER_TABLE})" for f, c in (("min", "x"), ("min", "y"), ("max", "x"), ("max", "y"))
    )
    public = Asset.objects.public()
    with connections[public.db].cursor() as cur:
        cur.execute(f"SELECT EXISTS (SELECT FROM {META_TABLE}), {ends}")
        kept, *box = cur.fetchone()
    if not kept:  # nothing kept (a flush, a restore) until the worker rebuilds: from the facilities themselves
        from assets import map_clusters

        map_clusters.request_roll()
        found = public.aggregate(box=Extent("anchor"))["box"]
        box = list(found) if found else [None]
    return [round(v, 6) for v in box] if box[0] is not None else None


def _box(west, south, east, north):
    box = Polygon.from_bbox((west, south, east, north))
    box.srid = 4326
    return box


def direct_cluster_sql(z, x, y):
    """The clusters of tile (z, x, y) grouped from the public facilities in it (what the kept clusters hold)."""
    west, south, east, north = tile_bounds(z, x, y)
    # Only the anchors inside the tile: each facility is counted once, in its own tile.
    qs = (
        public_assets()
        .filter(anchor__bboverlaps=_box(west, south, east, north))
        .values("id", "fam", "open_for_adoption", "adopted_now", "anchor")
        .order_by()
    )
    inner, params = qs.query.sql_with_params()
    cell_x = (east - west) / TILE_PX * CELL_PX
    cell_y = (north - south) / TILE_PX * CELL_PX
    sql = (
        "SELECT ST_AsMVT(t, %s, 4096, 'mvt_geom') FROM ("
        " SELECT q.fam AS family, count(*)::int AS n,"
        " (count(*) FILTER (WHERE q.open_for_adoption AND NOT q.adopted_now))::int AS n_open,"
        " CASE WHEN count(*) = 1 THEN min(q.id) END AS asset,"
        " CASE WHEN count(*) = 1 THEN CASE WHEN bool_or(q.adopted_now) THEN 'adopted'"
        "  WHEN bool_or(q.open_for_adoption) THEN 'open' END END AS adoption,"
        " ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(avg(ST_X(q.anchor)), avg(ST_Y(q.anchor))), 4326), 3857),"
        "  ST_TileEnvelope(%s, %s, %s)) AS mvt_geom"
        f" FROM ({inner}) q"
        # Half-open: an anchor on the line between two tiles belongs to one of them (the bounding-box test above
        # takes the edge too), so the facilities in view, summed over the tiles, count it once.
        " WHERE ST_X(q.anchor) >= %s AND ST_X(q.anchor) < %s AND ST_Y(q.anchor) >= %s AND ST_Y(q.anchor) < %s"
        " GROUP BY q.fam, floor((ST_X(q.anchor) - %s) / %s), floor((ST_Y(q.anchor) - %s) / %s)"
        ") t WHERE t.mvt_geom IS NOT NULL"
    )
    return sql, (NAME, z, x, y, *params, west, east, south, north, west, cell_x, south, cell_y)


def feature_sql(z, x, y):
    west, south, east, north = tile_bounds(z, x, y)
    pad = (east - west) / 64  # shapes just outside still draw their edge into the tile's buffer
    qs = (
        public_assets()
        .filter(geom__bboverlaps=_box(west - pad, south - pad, east + pad, north + pad))
        .annotate(tcode=F("type__code"))
        .values("id", "fam", "tcode", "open_for_adoption", "adopted_now", "geom")
        .order_by()
    )
    inner, params = qs.query.sql_with_params()
    sql = (
        "SELECT ST_AsMVT(t, %s, 4096, 'mvt_geom') FROM ("
        " SELECT q.id AS asset, q.fam AS family, q.fam || q.tcode AS type, 1 AS n,"
        " CASE WHEN q.adopted_now THEN 'adopted' WHEN q.open_for_adoption THEN 'open' END AS adoption,"
        " (q.open_for_adoption AND NOT q.adopted_now)::int AS n_open,"
        " ST_AsMVTGeom(ST_Transform(q.geom, 3857), ST_TileEnvelope(%s, %s, %s)) AS mvt_geom"
        f" FROM ({inner}) q"
        ") t WHERE t.mvt_geom IS NOT NULL"
    )
    return sql, (NAME, z, x, y, *params)


def map_tile_sql(z, x, y):
    if z >= CLUSTER_BELOW:
        return feature_sql(z, x, y)
    from assets import map_clusters

    # The kept day is read where layers.tiles.render_tile reads the tile (the same router call: the read replica
    # when this request may use it), and nothing is written: a day to roll goes to the worker.
    if map_clusters.kept_day(public_assets().db) == timezone.localdate():
        return map_clusters.cluster_sql(z, x, y)
    map_clusters.request_roll()
    return direct_cluster_sql(z, x, y)


def register():
    from layers.tiles import TileLayer, register_tile_layer

    register_tile_layer(TileLayer(NAME, public_assets, "anchor", [], min_zoom=0, sql=map_tile_sql))
