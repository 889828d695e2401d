"""Reads from a streaming standby: vector tiles of a public layer and the public facility map's data API
(/api/v1/assets/markers/?bbox=) under gunicorn, 8 concurrent clients, once with the app on the primary alone and once
with DATABASE_REPLICA_URL pointing at a hot standby of the bench database (gridwork/replica.py sends these GET
requests there). Figures: requests/s, and p50/p95 of one request under that load.

The standby is started the way `./dev replica` starts one (it runs that command, under a name and port of its own)
and dropped afterwards; pg_basebackup copies the whole cluster the bench database lives in (16 to 33 s for a 1.3 GB
cluster on a 2-core machine at load 4 to 8), so the tiny scale (CI) runs it too, with 4 tiles and 2 map areas per zoom.
Without the PostgreSQL server binaries, or when the standby does not start, the benchmark is skipped with the
reason and records no figures.

On one machine the standby shares the primary's CPUs and disk: this measures what the routing costs or saves
there, not the capacity a replica on another machine adds.
"""

import http.client
import os
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.urls import reverse

from bench.harness import Benchmark, Figure, Ratio
from bench.server import ROOT, Client, Gunicorn, free_port, percentile, run_clients
from bench.tiles import sample_tiles, tile_bounds

PG_BIN = Path("/usr/lib/postgresql/15/bin")
LAYER = "building"  # a public tile layer, on the lean path
TILE_ZOOMS = range(13, 17)
BBOX_ZOOMS = range(14, 16)  # the map's data API is asked for the area of a tile of these zooms
PER_ZOOM = {"tiny": 4, "small": 20}  # 30 at larger scales
CLIENTS = 8
PASSES = 2  # each client goes through its rotation of the sample this many times per run
HEADER = "X-Gridwork-Database"


class ReplicaReads(Benchmark):
    id = "replica-reads"
    title = f"Primary alone vs with a streaming standby: tiles and map data, {CLIENTS} clients"
    target = "public-map and tile throughput with the standby vs the primary alone (issue #19)"
    figures = [
        Figure("tiles_rps_primary", "req/s", f"/tiles/{LAYER}/, primary alone"),
        Figure("tiles_rps_replica", "req/s", f"/tiles/{LAYER}/, with the standby"),
        Figure("tiles_p50_primary", "ms", f"/tiles/{LAYER}/ p50, primary alone"),
        Figure("tiles_p95_primary", "ms", f"/tiles/{LAYER}/ p95, primary alone"),
        Figure("tiles_p50_replica", "ms", f"/tiles/{LAYER}/ p50, with the standby"),
        Figure("tiles_p95_replica", "ms", f"/tiles/{LAYER}/ p95, with the standby"),
        Figure("markers_rps_primary", "req/s", "/api/v1/assets/markers/?bbox=, primary alone"),
        Figure("markers_rps_replica", "req/s", "/api/v1/assets/markers/?bbox=, with the standby"),
        Figure("markers_p50_primary", "ms", "markers p50, primary alone"),
        Figure("markers_p95_primary", "ms", "markers p95, primary alone"),
        Figure("markers_p50_replica", "ms", "markers p50, with the standby"),
        Figure("markers_p95_replica", "ms", "markers p95, with the standby"),
    ]
    ratios = [
        Ratio("tiles_rps_replica", "tiles_rps_primary", None, "ge"),
        Ratio("markers_rps_replica", "markers_rps_primary", None, "ge"),
    ]

    def __init__(self):
        self.standby_env = None
        self.servers = {}

    def _dev(self, *args, timeout=900):
        return subprocess.run(
            [str(ROOT / "dev"), "replica", *args],
            env=self.standby_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def unavailable(self, ctx):
        """Also starts the standby: when it cannot start, the benchmark is skipped with the reason."""
        if not apps.is_installed("assets"):
            return "the assets app is not installed"
        try:
            from layers.tiles import tile_layers
        except ImportError:
            return "no vector tile endpoint (layers.tiles)"
        if LAYER not in tile_layers():
            return f"no '{LAYER}' tile layer registered"
        missing = [b for b in ("pg_basebackup", "pg_ctl") if not (PG_BIN / b).exists()]
        if missing:
            return f"PostgreSQL server binaries missing ({', '.join(str(PG_BIN / b) for b in missing)}): no standby"
        name = urlsplit(ctx.database_url).path.lstrip("/")
        self.standby_env = os.environ | {
            "DATABASE_URL": ctx.database_url,
            "GRIDWORK_REPLICA_NAME": f"bench-{name}",
            "GRIDWORK_REPLICA_PORT": str(free_port()),
        }
        ctx.say(f"    starting a standby of the cluster ({self.standby_env['GRIDWORK_REPLICA_NAME']})\n")
        t = time.perf_counter()
        try:
            self._dev("drop", timeout=120)
            done = self._dev("start")
        except (OSError, subprocess.SubprocessError) as exc:
            self._drop()
            return f"the standby could not be started: {exc!r}"
        self.standby_seconds = time.perf_counter() - t
        url = next(
            (ln.split("=", 1)[1] for ln in done.stdout.splitlines() if ln.startswith("DATABASE_REPLICA_URL=")), None
        )
        if done.returncode != 0 or not url:
            self._drop()
            tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            return f"the standby could not be started (./dev replica start: {done.returncode}): {tail}"
        self.replica_url = url
        return None

    def _drop(self):
        if self.standby_env is not None:
            try:
                self._dev("drop", timeout=120)
            except (OSError, subprocess.SubprocessError):
                pass
            self.standby_env = None

    def setup(self, ctx):
        district = apps.get_model("grids.District").objects.order_by("id").first()
        per_zoom = PER_ZOOM.get(ctx.scale, 30)
        self.tiles = [
            f"/tiles/{LAYER}/{z}/{x}/{y}.pbf"
            for z, x, y in sample_tiles(district.boundary.extent, TILE_ZOOMS, per_zoom, seed=ctx.seed)
        ]
        self.markers = [
            reverse("api:asset-markers") + "?bbox=" + ",".join(f"{v:.6f}" for v in tile_bounds(z, x, y))
            for z, x, y in sample_tiles(district.boundary.extent, BBOX_ZOOMS, per_zoom, seed=ctx.seed + 1)
        ]
        # Two servers alike but for the standby; the primary-alone one is told explicitly that there is none.
        self.servers = {
            "primary": Gunicorn(ctx.database_url, env={"DATABASE_REPLICA_URL": ""}),
            "replica": Gunicorn(ctx.database_url, env={"DATABASE_REPLICA_URL": self.replica_url}),
        }
        for server in self.servers.values():
            server.start()

    def _load(self, server, paths):
        """CLIENTS threads on keep-alive connections, each its own rotation of the paths PASSES times:
        (requests/s, every request's latency in ms)."""
        errors, times = [], [[] for _ in range(CLIENTS)]

        def worker(k):
            client = Client(server.port)
            try:
                for path in (paths[k:] + paths[:k]) * PASSES:
                    elapsed, status, _body = client.timed_get(path)
                    times[k].append(elapsed * 1000)
                    if status != 200:
                        errors.append((path, status))
            finally:
                client.close()

        elapsed = run_clients(CLIENTS, worker)
        if errors:
            raise RuntimeError(f"{len(errors)} requests failed under load: {errors[:3]}")
        flat = [x for ts in times for x in ts]
        return len(flat) / elapsed, flat

    @staticmethod
    def _where(server, path):
        """Which database answered a request, as the router's response header says (None: not routed)."""
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            return resp.getheader(HEADER)
        finally:
            conn.close()

    def run(self, ctx, index):
        out = {}
        # Alternate which setup goes first, so neither always meets a warmer cache.
        order = ["primary", "replica"] if index % 2 == 0 else ["replica", "primary"]
        for kind, paths in (("tiles", self.tiles), ("markers", self.markers)):
            for where in order:
                rps, times = self._load(self.servers[where], paths)
                out[f"{kind}_rps_{where}"] = rps
                out[f"{kind}_p50_{where}"] = percentile(times, 50)
                out[f"{kind}_p95_{where}"] = percentile(times, 95)
        return out

    def notes(self, ctx):
        server = self.servers["replica"]
        answered = {
            "tiles": [self._where(server, p) for p in self.tiles[:5]],
            "markers": [self._where(server, p) for p in self.markers[:5]],
        }
        alone = [self._where(self.servers["primary"], p) for p in (self.tiles[0], self.markers[0])]
        return {
            "answered_by_with_standby": answered,
            "answered_by_primary_alone": alone,
            "standby_start_seconds": round(self.standby_seconds, 1),
            "tile_requests_per_pass": len(self.tiles),
            "markers_requests_per_pass": len(self.markers),
            "passes": PASSES,
            "clients": CLIENTS,
            "gunicorn_workers": server.workers,
            "cores": os.cpu_count(),
            "same_machine": "the standby runs on the primary's machine and shares its CPUs",
        }

    def teardown(self, ctx):
        for server in self.servers.values():
            server.stop()
        self.servers = {}
        self._drop()
