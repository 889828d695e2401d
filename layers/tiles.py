"""Mapbox Vector Tiles from PostGIS: one ST_AsMVT query per tile, built from each layer's own queryset.

    register_tile_layer(TileLayer("building", lambda: Building.objects.all(), "footprint", ["name", "cell__code"]))

Only the attributes a layer names go into its tiles; layers holding personal data are never registered
as public (households have no tile layer). The ETag is the hash of the tile's bytes, so it changes exactly
when an object in that tile changes.
"""

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import Polygon
from django.core.cache import cache
from django.db import connections
from django.db.models import F, Func
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotModified

MAX_ZOOM = 22
_TILE_LAYERS = {}


@dataclass
class TileLayer:
    name: str
    queryset: Any  # callable returning the queryset of the layer's objects
    geom_field: str
    attributes: list  # ORM paths; the tile property is named after the path (cell__code → cell_code)
    min_zoom: int = 0
    max_age: int = 300
    # Public tiles take the lean path (layers/lean.py: no session); a layer that is not public is answered only to
    # someone signed in, through the full stack.
    public: bool = True
    # A layer may build its tile query itself: sql(z, x, y) -> (sql, params) of one row holding the tile's bytes
    # (e.g. features clustered per zoom); without it the tile holds the queryset's objects with their attributes.
    sql: Any = None
    # cache_key(z, x, y) -> a key under which the tile is kept in the cache for max_age seconds, or None (not kept).
    cache_key: Any = None


def register_tile_layer(layer: TileLayer):
    _TILE_LAYERS[layer.name] = layer
    return layer


def tile_layers():
    return dict(_TILE_LAYERS)


def tile_bounds(z, x, y):
    """The tile's (west, south, east, north) in degrees (XYZ scheme, web mercator)."""
    n = 2.0**z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def tile_sql(layer, z, x, y):
    west, south, east, north = tile_bounds(z, x, y)
    pad = (east - west) / 64  # features just outside still draw their edge into the tile's buffer
    box = Polygon.from_bbox((west - pad, south - pad, east + pad, north + pad))
    box.srid = 4326
    envelope = RawSQL("ST_TileEnvelope(%s, %s, %s)", (z, x, y))
    mvt_geom = Func(
        Transform(layer.geom_field, 3857), envelope, function="ST_AsMVTGeom", output_field=GeometryField(srid=3857)
    )
    names = {a: a.replace("__", "_") for a in layer.attributes}
    qs = (
        layer.queryset()
        .filter(**{f"{layer.geom_field}__bboverlaps": box})
        .annotate(mvt_geom=mvt_geom, **{f"p_{n}": F(a) for a, n in names.items() if a != n})
        .values("id", "mvt_geom", *[a if a == n else f"p_{n}" for a, n in names.items()])
        .order_by()
    )
    inner, params = qs.query.sql_with_params()
    renames = ", ".join(
        [f'q."{a if a == n else "p_" + n}" AS "{n}"' for a, n in names.items()] + ["q.id", "q.mvt_geom"]
    )
    sql = (
        f"SELECT ST_AsMVT(t, %s, 4096, 'mvt_geom', 'id') FROM "
        f"(SELECT {renames} FROM ({inner}) q WHERE q.mvt_geom IS NOT NULL) t"
    )
    return sql, (layer.name, *params)


def render_tile(layer, z, x, y):
    sql, params = layer.sql(z, x, y) if layer.sql else tile_sql(layer, z, x, y)
    # On the database the router reads the layer from (the read replica when the request may use it).
    with connections[layer.queryset().db].cursor() as cur:
        cur.execute(sql, params)
        data = cur.fetchone()[0]
    return bytes(data or b"")


def tile(request, layer, z, x, y):
    found = _TILE_LAYERS.get(layer)
    if found is None or not (found.public or request.user.is_authenticated):
        raise Http404(layer)
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return HttpResponseBadRequest("tile out of range")
    key = found.cache_key(z, x, y) if found.cache_key and z >= found.min_zoom else None
    body = cache.get(key) if key else None
    if body is None:
        body = b"" if z < found.min_zoom else render_tile(found, z, x, y)
        if key:
            cache.set(key, body, found.max_age)
    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/vnd.mapbox-vector-tile")
    response["ETag"] = etag
    response["Cache-Control"] = f"{'public' if found.public else 'private'}, max-age={found.max_age}, must-revalidate"
    return response
