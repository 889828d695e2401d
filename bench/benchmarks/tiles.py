"""Vector tiles at zooms 12–16: the project's /tiles/<layer>/{z}/{x}/{y}.pbf under gunicorn vs the bare ST_AsMVT
query for the same features and attributes, and vs tipg serving the same table when it is installed (bench/peers)."""

import time

from django.apps import apps
from django.db import connection

from bench.harness import Benchmark, Figure, Ratio
from bench.server import Client, percentile, run_clients
from bench.tiles import sample_tiles, tile_params

ZOOMS = range(12, 17)
PER_ZOOM = {"tiny": 4, "small": 25}  # tiles sampled per zoom; 40 at larger scales
CLIENTS = 8  # concurrent clients for the throughput figure


def _t(label):
    return apps.get_model(label)._meta.db_table


def bare_sql(layer):
    """ST_AsMVT by hand: the same attributes as the project's tile layer, features picked by the same padded box."""
    env = "ST_TileEnvelope(%(z)s, %(x)s, %(y)s)"
    select = {
        "gridcell": (
            f"""SELECT c.code, c.name, m.name AS community_name, c.id,
                       ST_AsMVTGeom(ST_Transform(c.boundary, 3857), {env}) AS mvt_geom
                  FROM {_t("grids.GridCell")} c JOIN {_t("grids.Community")} m ON m.id = c.community_id
                 WHERE c.boundary && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)"""
        ),
        "building": (
            f"""SELECT b.name, b.year_built, b.storeys, c.code AS cell_code, b.id,
                       ST_AsMVTGeom(ST_Transform(b.footprint, 3857), {env}) AS mvt_geom
                  FROM {_t("grids.Building")} b LEFT JOIN {_t("grids.GridCell")} c ON c.id = b.cell_id
                 WHERE b.footprint && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)"""
        ),
        "asset": (
            f"""SELECT a.identifier, a.name, f.code AS type_family_code, t.code AS type_code, a.condition, a.id,
                       ST_AsMVTGeom(ST_Transform(a.geom, 3857), {env}) AS mvt_geom
                  FROM {_t("assets.Asset")} a JOIN {_t("assets.AssetType")} t ON t.id = a.type_id
                  JOIN {_t("assets.AssetFamily")} f ON f.id = t.family_id
                 WHERE t.public AND a.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)"""
        ),
    }[layer]
    return f"""SELECT ST_AsMVT(t, '{layer}', 4096, 'mvt_geom', 'id')
                 FROM ({select}) t WHERE t.mvt_geom IS NOT NULL"""


# What tipg serves for each layer: table, geometry column, properties (tipg reads one table, so no joined columns).
TIPG = {
    "gridcell": (_t("grids.GridCell"), "boundary", "code,name"),
    "building": (_t("grids.Building"), "footprint", "name,year_built,storeys"),
}
if apps.is_installed("assets"):
    TIPG["asset"] = (_t("assets.Asset"), "geom", "identifier,name,condition")


class VectorTiles(Benchmark):
    target = "project p95 ≤ 1.3 × bare ST_AsMVT; faster than tipg"

    def __init__(self, layer):
        self.layer = layer
        self.id = f"tiles-{layer}"
        self.title = f"Vector tiles: {layer}, z12–16"
        self.figures = [
            Figure("http_p50", "ms", f"/tiles/{layer}/ p50"),
            Figure("http_p95", "ms", f"/tiles/{layer}/ p95"),
            Figure("bare_p50", "ms", "bare ST_AsMVT p50"),
            Figure("bare_p95", "ms", "bare ST_AsMVT p95"),
            Figure("http_tps", "tiles/s", f"/tiles/{layer}/ tiles/s, {CLIENTS} clients"),
        ]
        self.ratios = [Ratio("http_p95", "bare_p95", 1.3, "le")]
        self.tipg = None

    def unavailable(self, ctx):
        try:
            from layers.tiles import tile_layers
        except ImportError:
            return "no vector tile endpoint (layers.tiles) yet"
        if self.layer not in tile_layers():
            return f"no '{self.layer}' tile layer registered"
        return None

    def setup(self, ctx):
        district = apps.get_model("grids.District").objects.order_by("id").first()
        self.tiles = sample_tiles(district.boundary.extent, ZOOMS, PER_ZOOM.get(ctx.scale, 40), seed=ctx.seed)
        self.server = ctx.server()
        self.sql = bare_sql(self.layer)
        self.bytes = self.features_tiles = 0
        self.tipg = ctx.tipg([table for table, _geom, _props in TIPG.values()])
        if self.tipg is not None:
            self.figures = [
                *self.figures,
                Figure("tipg_p50", "ms", "tipg p50"),
                Figure("tipg_p95", "ms", "tipg p95"),
            ]
            self.ratios = [*self.ratios, Ratio("http_p95", "tipg_p95", 1.0, "le")]

    def _path(self, z, x, y):
        return f"/tiles/{self.layer}/{z}/{x}/{y}.pbf"

    def run(self, ctx, index):
        client = Client(self.server.port)
        client.get(self._path(*self.tiles[0]))
        http, size, non_empty = [], 0, 0
        for z, x, y in self.tiles:
            elapsed, status, body = client.timed_get(self._path(z, x, y))
            if status != 200:
                raise RuntimeError(f"tile {z}/{x}/{y} answered {status}")
            http.append(elapsed * 1000)
            size += len(body)
            non_empty += bool(body)
        client.close()
        bare = []
        with connection.cursor() as cur:
            for z, x, y in self.tiles:
                t = time.perf_counter()
                cur.execute(self.sql, tile_params(z, x, y))
                cur.fetchone()
                bare.append((time.perf_counter() - t) * 1000)
        self.bytes, self.features_tiles = size, non_empty
        peer = {}
        if self.tipg is not None:
            table, geom, props = TIPG[self.layer]
            client, times = Client(self.tipg.port), []
            query = f"geom-column={geom}&properties={props}"
            for z, x, y in self.tiles:
                path = f"/collections/public.{table}/tiles/WebMercatorQuad/{z}/{x}/{y}?{query}"
                elapsed, status, _body = client.timed_get(path)
                if status not in (200, 204):
                    raise RuntimeError(f"tipg tile {z}/{x}/{y} answered {status}")
                times.append(elapsed * 1000)
            client.close()
            peer = {"tipg_p50": percentile(times, 50), "tipg_p95": percentile(times, 95)}
        return peer | {
            "http_p50": percentile(http, 50),
            "http_p95": percentile(http, 95),
            "bare_p50": percentile(bare, 50),
            "bare_p95": percentile(bare, 95),
            "http_tps": self._throughput(),
        }

    def _throughput(self):
        """CLIENTS threads fetch the sampled tiles (each its own rotation of the list) twice over."""
        errors = []

        def worker(k):
            client = Client(self.server.port)
            tiles = self.tiles[k:] + self.tiles[:k]
            try:
                for z, x, y in tiles * 2:
                    status, _body = client.get(self._path(z, x, y))
                    if status != 200:
                        errors.append(status)
            finally:
                client.close()

        elapsed = run_clients(CLIENTS, worker)
        if errors:
            raise RuntimeError(f"{len(errors)} tile requests failed under load: {errors[:5]}")
        return CLIENTS * 2 * len(self.tiles) / elapsed

    def _same_features(self, limit=10):
        """Decode the project's tile and the bare one for the first tiles with features: the same feature ids?"""
        import mapbox_vector_tile

        client, checked, differ = Client(self.server.port), 0, []
        with connection.cursor() as cur:
            for z, x, y in self.tiles:
                if checked >= limit:
                    break
                _status, body = client.get(self._path(z, x, y))
                if not body:
                    continue
                cur.execute(self.sql, tile_params(z, x, y))
                bare = bytes(cur.fetchone()[0] or b"")
                ids = [
                    sorted(f["id"] for f in mapbox_vector_tile.decode(b).get(self.layer, {}).get("features", []))
                    for b in (body, bare)
                ]
                checked += 1
                if ids[0] != ids[1]:
                    differ.append(f"{z}/{x}/{y}")
        client.close()
        return {"tiles_compared": checked, "tiles_that_differ": differ}

    def notes(self, ctx):
        return self._same_features() | {
            "tiles_per_run": len(self.tiles),
            "tiles_with_features": self.features_tiles,
            "bytes_per_run": self.bytes,
            "zooms": list(ZOOMS),
            "clients": CLIENTS,
            "gunicorn_workers": self.server.workers,
            "bare_sql": " ".join(self.sql.split()),
            "tipg": "served the same table (without joined columns)" if self.tipg else ctx.tipg_error,
        }
