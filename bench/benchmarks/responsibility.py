"""Responsibility lookup (point → cell, its workers, the areas covering it) through HTTP under gunicorn,
against the same answer from one bare SQL statement on a kept-open connection."""

import random
import time

from django.apps import apps
from django.db import connection
from django.urls import NoReverseMatch, reverse

from bench.harness import Benchmark, Figure, Limit, Ratio
from bench.server import Client, percentile

POINTS = {"tiny": 200}  # random points per run; 10,000 at every other scale
DEFAULT_POINTS = 10_000


def bare_sql():
    cell = apps.get_model("grids.GridCell")._meta.db_table
    assignment = apps.get_model("grids.GridAssignment")._meta.db_table
    area = apps.get_model("responsibility.ResponsibilityArea")._meta.db_table
    return f"""
        SELECT c.id, c.code,
               (SELECT array_agg(a.worker_id ORDER BY a.role, a.start) FROM {assignment} a
                 WHERE a.cell_id = c.id AND a.start <= current_date
                   AND (a."end" IS NULL OR a."end" >= current_date)),
               (SELECT array_agg(r.id ORDER BY r.kind, r.name) FROM {area} r
                 WHERE ST_Covers(r.area, p.g) AND r.start <= current_date
                   AND (r."end" IS NULL OR r."end" >= current_date))
          FROM (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS g) p
          LEFT JOIN LATERAL (SELECT id, code FROM {cell} WHERE ST_Covers(boundary, p.g)
                              ORDER BY id LIMIT 1) c ON true"""


class ResponsibilityLookup(Benchmark):
    id = "responsibility"
    title = "Responsibility lookup"
    target = "p95 < 20 ms through HTTP"
    figures = [
        Figure("http_p50", "ms", "GET /api/v1/responsibility/ p50"),
        Figure("http_p95", "ms", "GET /api/v1/responsibility/ p95"),
        Figure("sql_p95", "ms", "bare SQL lookup p95"),
        Figure("http_rps", "req/s", "requests/s, one client"),
    ]
    ratios = [Ratio("http_p95", "sql_p95")]
    limits = [Limit("http_p95", 20.0, "le")]

    def unavailable(self, ctx):
        if not apps.is_installed("responsibility"):
            return "the responsibility app is not installed"
        try:
            self.path = reverse("responsibility-lookup")
        except NoReverseMatch:
            return "no /api/v1/responsibility/ endpoint"
        return None

    def setup(self, ctx):
        district = apps.get_model("grids.District").objects.order_by("id").first()
        self.extent = district.boundary.extent
        self.n = POINTS.get(ctx.scale, DEFAULT_POINTS)
        self.server = ctx.server()
        self.sql = bare_sql()
        self.found = self.with_areas = 0

    def points(self, index):
        rng = random.Random(1000 + index)
        x0, y0, x1, y1 = self.extent
        return [(round(rng.uniform(x0, x1), 6), round(rng.uniform(y0, y1), 6)) for _ in range(self.n)]

    def run(self, ctx, index):
        pts = self.points(index)
        client = Client(self.server.port)
        client.get(f"{self.path}?lon={pts[0][0]}&lat={pts[0][1]}")  # warm the connection
        http = []
        started = time.perf_counter()
        for lon, lat in pts:
            elapsed, status, body = client.timed_get(f"{self.path}?lon={lon}&lat={lat}")
            if status != 200:
                raise RuntimeError(f"lookup answered {status}: {body[:200]!r}")
            http.append(elapsed * 1000)
        wall = time.perf_counter() - started
        client.close()
        sql, found, with_areas = [], 0, 0
        with connection.cursor() as cur:
            for lon, lat in pts:
                t = time.perf_counter()
                cur.execute(self.sql, [lon, lat])
                row = cur.fetchone()
                sql.append((time.perf_counter() - t) * 1000)
                found += row[0] is not None
                with_areas += bool(row[3])
        self.found, self.with_areas = found, with_areas
        return {
            "http_p50": percentile(http, 50),
            "http_p95": percentile(http, 95),
            "sql_p95": percentile(sql, 95),
            "http_rps": len(pts) / wall,
        }

    def notes(self, ctx):
        return {
            "points_per_run": self.n,
            "points_in_a_cell": self.found,
            "points_with_areas": self.with_areas,
            "gunicorn_workers": self.server.workers,
            "bare_sql": " ".join(self.sql.split()),
        }
