"""OGC API Features: every building read the way QGIS and GDAL read it, /ogc/collections/buildings/items?limit=1000
following the next links to the end under gunicorn (features/s, page latency), beside ogr2ogr reading the bare
PostGIS table (PG: driver) into GeoJSON."""

import json
import shutil
import subprocess
import time
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings

from bench.harness import Benchmark, Figure, Ratio
from bench.server import Client, percentile

LIMIT = 1000


def pg_connection(url):
    """The PG: connection string of GDAL for a postgis:// URL."""
    parts = urlsplit(url)
    fields = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "dbname": parts.path.lstrip("/"),
        "user": parts.username or "",
    }
    if parts.password:
        fields["password"] = parts.password
    return "PG:" + " ".join(f"{k}={v}" for k, v in fields.items() if v != "")


class OgcPaging(Benchmark):
    id = "ogc-buildings"
    title = f"OGC API Features: every building, limit={LIMIT}"
    target = "the feature service pages as fast as it can be read from the bare table (features/s)"
    figures = [
        Figure("ogc_fps", "features/s", f"/ogc/ buildings, limit={LIMIT}, next links to the end"),
        Figure("page_p50", "ms", "one page p50"),
        Figure("page_p95", "ms", "one page p95"),
        Figure("bare_fps", "features/s", "ogr2ogr from the PostGIS table to GeoJSON"),
    ]
    ratios = [Ratio("ogc_fps", "bare_fps", None, "ge")]

    def unavailable(self, ctx):
        if not apps.is_installed("ogc"):
            return "the OGC API Features app (ogc) is not installed"
        if not shutil.which("ogr2ogr"):
            return "ogr2ogr (gdal-bin) is not installed"
        return None

    def setup(self, ctx):
        from bench.benchmarks.dashboard import signed_in_session

        self.server = ctx.server()
        self.headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={signed_in_session()}"}
        self.count = apps.get_model("grids.Building").objects.count()
        self.table = apps.get_model("grids.Building")._meta.db_table
        self.pg = pg_connection(ctx.database_url)
        self.pages = 0

    def run(self, ctx, index):
        client = Client(self.server.port)
        path, read, pages = f"/ogc/collections/buildings/items?limit={LIMIT}", 0, []
        client.get("/ogc/collections/buildings/items?limit=1", self.headers)  # a warm worker, like the tiles
        start = time.perf_counter()
        while path:
            elapsed, status, body = client.timed_get(path, {**self.headers, "Accept": "application/geo+json"})
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            pages.append(elapsed * 1000)
            page = json.loads(body)
            read += page["numberReturned"]
            nxt = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
            path = None if nxt is None else urlsplit(nxt).path + "?" + urlsplit(nxt).query
        ogc_seconds = time.perf_counter() - start
        client.close()
        if read != self.count:
            raise RuntimeError(f"the pages held {read} buildings, the table {self.count}")
        self.pages = len(pages)
        sql = f"SELECT id, name, year_built, storeys, footprint FROM {self.table} WHERE deleted_at IS NULL"
        start = time.perf_counter()
        subprocess.run(
            ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", self.pg, "-sql", sql],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        bare_seconds = time.perf_counter() - start
        return {
            "ogc_fps": read / ogc_seconds,
            "page_p50": percentile(pages, 50),
            "page_p95": percentile(pages, 95),
            "bare_fps": self.count / bare_seconds,
        }

    def notes(self, ctx):
        return {"buildings": self.count, "pages_per_run": self.pages, "limit": LIMIT}
