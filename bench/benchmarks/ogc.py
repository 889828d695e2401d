"""OGC API Features: every building read the way QGIS and GDAL read it, /ogc/collections/buildings/items?limit=1000
following the next links to the end under gunicorn (features/s, page latency), beside ogr2ogr reading the bare
PostGIS table (PG: driver) into GeoJSON.

At size, in a database of its own so that the shared city's other benchmarks see the same buildings as before:
`./dev bench --database gridwork_bench_ogc --buildings 1000000 --only ogc-buildings` tops the city up to a million
buildings with one set-based INSERT (add_buildings below) and reports the top-up with its time."""

import json
import shutil
import subprocess
import time
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from bench.harness import Benchmark, Figure, Ratio
from bench.server import Client, percentile

LIMIT = 1000
UTM = 32650


def add_buildings(total, seed=2026, log=None):
    """Top the city's buildings up to `total` with one set-based INSERT (generate_series): footprints of 30 m × 12 m
    at random places of random cells, kept 20 m inside them, with the columns and value ranges of the generated
    buildings (name, compound of the cell, year built, storeys, units, cell, community, anchor); secondary indexes
    (the spatial ones included) rebuilt after the load, then ANALYZE. Nothing is added when the city already holds
    `total`. Returns {"added", "buildings", "seconds"}."""
    log = log or (lambda s: None)
    from bench.generate import bulk_load, table

    building, cell, compound = (table(m) for m in ("grids.Building", "grids.GridCell", "grids.Compound"))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SELECT count(*), coalesce(max(id), 0) FROM {building}")  # noqa: S608
        have, top = cur.fetchone()
        if have >= total:
            return {"added": 0, "buildings": have, "seconds": 0.0}
        # the rows are consistent by construction: no foreign-key triggers for a million rows
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cur.execute("SELECT setseed(%s)", [(seed % 2_000_000) / 2_000_000.0 / 2])
        cur.execute(
            f"""CREATE TEMP TABLE bench_ogc_cell ON COMMIT DROP AS
                SELECT row_number() OVER (ORDER BY c.id) AS n, c.id AS cell_id, c.community_id,
                       (SELECT p.id FROM {compound} p
                         WHERE p.boundary && c.boundary AND ST_Covers(c.boundary, ST_PointOnSurface(p.boundary))
                         ORDER BY p.id LIMIT 1) AS compound_id,
                       ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) - ST_XMin(e) AS w, ST_YMax(e) - ST_YMin(e) AS h
                  FROM {cell} c CROSS JOIN LATERAL (SELECT ST_Transform(c.boundary, {UTM})::box2d AS e) t"""  # noqa: S608
        )
        cur.execute("SELECT count(*) FROM bench_ogc_cell")
        cells = cur.fetchone()[0]
        if not cells:
            raise RuntimeError("the city has no grid cells to put buildings in")
        with bulk_load(cur, building):
            cur.execute(
                f"""INSERT INTO {building} (id, name, compound_id, footprint, anchor, year_built, storeys, units,
                                            cell_id, community_id, created_at, updated_at)
                    SELECT k, '小区' || c.cell_id || '-' || k || '栋', c.compound_id,
                           ST_Transform(ST_MakeEnvelope(x, y, x + 30, y + 12, {UTM}), 4326),
                           ST_Transform(ST_SetSRID(ST_MakePoint(x + 15, y + 6), {UTM}), 4326),
                           r.year, r.storeys, CASE WHEN r.storeys < 11 THEN 2 ELSE 1 END,
                           c.cell_id, c.community_id, now(), now()
                      FROM (SELECT %(top)s + g AS k, 1 + floor(random() * %(cells)s)::int AS cn,
                                   random() AS rx, random() AS ry,
                                   1975 + floor(random() * 48)::int AS year,
                                   (ARRAY[4,5,6,6,7,11,18])[1 + floor(random() * 7)::int] AS storeys
                              FROM generate_series(1, %(n)s) g) r
                      JOIN bench_ogc_cell c ON c.n = r.cn
                      CROSS JOIN LATERAL (SELECT c.x0 + 20 + r.rx * (c.w - 70) AS x,
                                                 c.y0 + 20 + r.ry * (c.h - 52) AS y) xy""",  # noqa: S608
                {"top": top, "cells": cells, "n": total - have},
            )
            log(f"  {total - have:,} buildings inserted: {time.perf_counter() - started:.1f} s\n")
        log(f"  building indexes rebuilt: {time.perf_counter() - started:.1f} s\n")
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{building}', 'id'), (SELECT max(id) FROM {building}))"  # noqa: S608
        )
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {building}")
    seconds = time.perf_counter() - started
    log(f"  analyze: {seconds:.1f} s\n")
    return {"added": total - have, "buildings": total, "seconds": round(seconds, 3)}


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
        notes = {"buildings": self.count, "pages_per_run": self.pages, "limit": LIMIT}
        if ctx.build.get("buildings_added"):  # ./dev bench --buildings N: the top-up and its time
            notes["buildings_added"] = ctx.build["buildings_added"]
        return notes
