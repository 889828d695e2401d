"""Case intake under load: wrk posts new cases (Open311 POST requests.json, routed on intake) to gunicorn from
concurrent connections; the reference is the same load on GET /healthz (the stack's floor) in the same run."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import NoReverseMatch, reverse

from bench.harness import Benchmark, Figure, Limit, Ratio

CONNECTIONS = 16
SECONDS = {"tiny": 3, "small": 10}  # per measurement; 20 at larger scales

LUA = """
local codes = {%(codes)s}
local path, key = "%(path)s", "%(key)s"
local points = {%(points)s}
local counter = 0
init = function(args)
  math.randomseed(%(seed)d)
end
request = function()
  if path == "" then return wrk.format("GET", "/healthz") end
  counter = counter + 1
  local p = points[math.random(#points)]
  local body = string.format("api_key=%%s&service_code=%%s&lat=%%.6f&long=%%.6f&description=bench+%%d",
    key, codes[math.random(#codes)], p[2], p[1], counter)
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format('BENCH {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"status_errors": %%d, "connect_errors": %%d, "timeouts": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status, summary.errors.connect, summary.errors.timeout))
end
"""


def district_points(n, seed):
    """n random points inside the district (PostGIS ST_GeneratePoints with a seed)."""
    table = apps.get_model("grids.District")._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT ST_X(d.geom), ST_Y(d.geom)
                  FROM (SELECT (ST_Dump(ST_GeneratePoints(boundary, %s, %s))).geom
                          FROM {table} WHERE id = (SELECT min(id) FROM {table})) d""",
            [n, seed],
        )
        return cur.fetchall()


def wrk(url, script, seconds, connections=CONNECTIONS):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    return json.loads(line[6:])


class CaseIntake(Benchmark):
    id = "case-intake"
    title = "Case intake (Open311 POST) under load"
    target = "≥ 200 requests/s with p95 < 300 ms on 2 cores"
    figures = [
        Figure("intake_rps", "req/s", f"POST requests.json, {CONNECTIONS} connections"),
        Figure("intake_p50", "ms", "POST requests.json p50"),
        Figure("intake_p95", "ms", "POST requests.json p95"),
        Figure("healthz_rps", "req/s", f"GET /healthz, {CONNECTIONS} connections"),
    ]
    ratios = [Ratio("intake_rps", "healthz_rps")]
    limits = [Limit("intake_rps", 200.0, "ge"), Limit("intake_p95", 300.0, "le")]

    def unavailable(self, ctx):
        if not apps.is_installed("cases"):
            return "the cases app is not installed"
        try:
            self.path = reverse("open311-requests", kwargs={"fmt": "json"})
        except NoReverseMatch:
            return "no Open311 requests endpoint"
        if not shutil.which("wrk"):
            return "wrk is not installed (Debian package wrk; ./dev bench installs it)"
        return None

    def setup(self, ctx):
        Category = apps.get_model("cases.Category")
        if not Category.objects.exists():
            call_command("loaddata", "case_categories", verbosity=0)
        client, _ = apps.get_model("cases.Open311Client").objects.get_or_create(name="bench", defaults={"active": True})
        codes = list(Category.objects.filter(active=True).values_list("code", flat=True))
        self.dir = Path(tempfile.mkdtemp(prefix="gridwork-bench-"))
        params = {"codes": ", ".join(f'"{c}"' for c in codes), "key": client.api_key, "seed": ctx.seed}
        params["points"] = ", ".join(f"{{{x:.6f}, {y:.6f}}}" for x, y in district_points(2000, ctx.seed))
        self.intake = self.dir / "intake.lua"
        self.intake.write_text(LUA % (params | {"path": self.path}))
        self.floor = self.dir / "healthz.lua"
        self.floor.write_text(LUA % (params | {"path": ""}))
        self.server = ctx.server()
        self.seconds = SECONDS.get(ctx.scale, 20)
        self.cases_before = apps.get_model("cases.Case").objects.count()
        self.errors = []

    def run(self, ctx, index):
        base = self.server.base
        intake = wrk(base + self.path, self.intake, self.seconds)
        floor = wrk(base + "/healthz", self.floor, self.seconds)
        self.errors.append({k: intake[k] for k in ("status_errors", "connect_errors", "timeouts")})
        if intake["status_errors"] > intake["requests"] / 100:
            raise RuntimeError(f"{intake['status_errors']} of {intake['requests']} posts failed")
        return {
            "intake_rps": intake["requests"] / (intake["duration_us"] / 1e6),
            "intake_p50": intake["p50_us"] / 1000,
            "intake_p95": intake["p95_us"] / 1000,
            "healthz_rps": floor["requests"] / (floor["duration_us"] / 1e6),
        }

    def teardown(self, ctx):
        if getattr(self, "dir", None):
            shutil.rmtree(self.dir, ignore_errors=True)

    def notes(self, ctx):
        created = apps.get_model("cases.Case").objects.count() - self.cases_before
        return {
            "connections": CONNECTIONS,
            "seconds_per_measurement": self.seconds,
            "cases_created": created,
            "errors_per_run": self.errors,
            "gunicorn_workers": self.server.workers,
        }
