"""Run benchmarks repeatedly, keep every figure, and write the results table (markdown + JSON).

A benchmark measures one or more figures per run (the project's path and its references, measured in the same
run); ratios are taken run by run, then summarised like the figures: median, min, max and spread.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from django.db import connection

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    name: str
    unit: str
    label: str


@dataclass
class Ratio:
    numerator: str
    denominator: str
    target: float | None = None
    # "le": the ratio should stay at or below the target; "ge": at or above it.
    sense: str = "le"


@dataclass
class Limit:
    """An absolute target for a figure (e.g. p95 < 20 ms)."""

    figure: str
    target: float
    sense: str = "le"


class Benchmark:
    id = ""
    title = ""
    target = ""  # the target, in words
    figures: list[Figure] = []
    ratios: list[Ratio] = []
    limits: list[Limit] = []

    def unavailable(self, ctx):
        """None when the benchmark can run here, otherwise the reason it cannot (e.g. the app is not there yet)."""
        return None

    def setup(self, ctx):
        pass

    def run(self, ctx, index):
        """One repeat: {figure name: value}."""
        raise NotImplementedError

    def teardown(self, ctx):
        pass

    def notes(self, ctx):
        """Extra facts worth keeping beside the figures (sizes, query plans)."""
        return {}


@dataclass
class Context:
    database_url: str
    scale: str
    seed: int
    repeat: int
    build: dict = field(default_factory=dict)
    log: object = None
    _server: object = None
    _tipg: object = None
    tipg_error: str = ""

    def say(self, text):
        if self.log:
            self.log(text)

    def server(self):
        """A gunicorn serving the project on the benchmark database (started on first use), with the static files
        collected from the sources first: the server (WhiteNoise) reads their sizes once, when it starts, so a file
        collected later is served cut to its old size (a page's script ending mid-statement)."""
        if self._server is None:
            from django.core.management import call_command

            from bench.server import Gunicorn

            call_command("collectstatic", interactive=False, verbosity=0)
            # The intake benchmark is one partner posting as fast as it can: its Open311 allowance is counted on
            # every post, as in production, but set above the load.
            self._server = Gunicorn(self.database_url, env={"GRIDWORK_OPEN311_CLIENT_RATE": "10000000/m"})
            self._server.start()
        return self._server

    def tipg(self, tables):
        """tipg serving these tables (started on first use); None, with the reason in tipg_error, if it cannot run."""
        if self._tipg is None and not self.tipg_error:
            from bench.peers import Tipg

            try:
                self._tipg = Tipg(self.database_url, tables).start()
            except RuntimeError as exc:
                self.tipg_error = str(exc)
        return self._tipg

    def close(self):
        for name in ("_server", "_tipg"):
            if getattr(self, name) is not None:
                getattr(self, name).stop()
                setattr(self, name, None)


def current_database_url():
    """The URL of the database Django is connected to (the benchmark database, or a test database)."""
    d = connection.settings_dict
    auth = d["USER"] + (f":{quote(d['PASSWORD'])}" if d.get("PASSWORD") else "")
    return f"postgis://{auth}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


class BackendClock:
    """CPU seconds the database backend of Django's connection spends, read from /proc/<pid>/stat.

    On a machine shared with other work, wall time of a long statement swings with the load; the CPU time of the
    backend that runs it hardly does. None when the server is not on this machine (or /proc is not readable).
    """

    def __init__(self):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.pid = cur.fetchone()[0]
        self.tick = os.sysconf("SC_CLK_TCK")

    def read(self):
        try:  # time on the CPU in nanoseconds
            with open(f"/proc/{self.pid}/schedstat") as f:
                return int(f.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        try:  # utime + stime in clock ticks
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / self.tick
        except (OSError, ValueError, IndexError):
            return None


def summarise(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    med = statistics.median(values)
    return {
        "median": med,
        "min": min(values),
        "max": max(values),
        "spread_pct": (max(values) - min(values)) / med * 100.0 if med else 0.0,
        "runs": values,
    }


def met(value, target, sense):
    if value is None or target is None:
        return None
    return value <= target if sense == "le" else value >= target


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _cpu_busy():
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return sum(parts) - idle, sum(parts)


def machine():
    info = {
        "hostname": platform.node(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "cores": os.cpu_count(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
        with open("/proc/meminfo") as f:
            kb = next(int(line.split()[1]) for line in f if line.startswith("MemTotal"))
        info["ram_gb"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    import django

    info["django"] = django.get_version()
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        info["postgresql"] = cur.fetchone()[0]
        cur.execute("SELECT postgis_lib_version(), postgis_geos_version(), postgis_proj_version()")
        info["postgis"], info["geos"], info["proj"] = cur.fetchone()
        cur.execute("SELECT current_database()")
        info["database"] = cur.fetchone()[0]
    return info


def run_benchmark(bench, ctx):
    entry = {"id": bench.id, "title": bench.title, "target": bench.target}
    reason = bench.unavailable(ctx)
    if reason:
        ctx.say(f"- {bench.id}: skipped ({reason})\n")
        return entry | {"status": "skipped", "reason": reason}
    ctx.say(f"- {bench.id}: {bench.title}\n")
    load_before = loadavg()
    busy0 = _cpu_busy()
    started = time.perf_counter()
    try:
        bench.setup(ctx)  # may settle the figures (e.g. a peer server that could not start is left out)
        runs = {f.name: [] for f in bench.figures}
        for i in range(ctx.repeat):
            values = bench.run(ctx, i)
            for f in bench.figures:
                runs[f.name].append(values.get(f.name))
            shown = ", ".join(f"{f.name} {values.get(f.name, float('nan')):.4g} {f.unit}" for f in bench.figures)
            ctx.say(f"    run {i + 1}/{ctx.repeat}: {shown}\n")
        notes = bench.notes(ctx)
    except Exception as exc:  # a benchmark that breaks is reported, the others still run
        ctx.say(f"    failed: {exc!r}\n")
        return entry | {"status": "failed", "reason": repr(exc)}
    finally:
        bench.teardown(ctx)
    busy1 = _cpu_busy()
    figures = []
    for f in bench.figures:
        s = summarise(runs[f.name])
        limit = next((lim for lim in bench.limits if lim.figure == f.name), None)
        figures.append(
            {"name": f.name, "label": f.label, "unit": f.unit}
            | (s or {})
            | (
                {"target": limit.target, "sense": limit.sense, "met": met(s and s["median"], limit.target, limit.sense)}
                if limit
                else {}
            )
        )
    ratios = []
    for r in bench.ratios:
        per_run = [
            (n / d) if (n is not None and d) else None
            for n, d in zip(runs[r.numerator], runs[r.denominator], strict=True)
        ]
        s = summarise(per_run)
        ratios.append(
            {"numerator": r.numerator, "denominator": r.denominator, "target": r.target, "sense": r.sense}
            | (s or {})
            | {"met": met(s and s["median"], r.target, r.sense)}
        )
    busy = (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1)
    return entry | {
        "status": "ok",
        "seconds": round(time.perf_counter() - started, 3),
        "load": {"before": load_before, "after": loadavg(), "cpu_busy_pct": round(busy * 100, 1)},
        "figures": figures,
        "ratios": ratios,
        "notes": notes,
    }


def run_all(benchmarks, ctx, out_dir=RESULTS_DIR, only=None):
    started = datetime.now().astimezone()
    results = {
        "started": started.isoformat(timespec="seconds"),
        "scale": ctx.scale,
        "seed": ctx.seed,
        "repeat": ctx.repeat,
        "revision": git_revision(),
        "machine": machine(),
        "load_at_start": loadavg(),
        "build": ctx.build,
        "benchmarks": [],
    }
    try:
        for bench in benchmarks:
            if only and bench.id not in only:
                continue
            results["benchmarks"].append(run_benchmark(bench, ctx))
    finally:
        ctx.close()
    results["finished"] = datetime.now().astimezone().isoformat(timespec="seconds")
    results["load_at_end"] = loadavg()
    return write(results, out_dir, started)


def write(results, out_dir, started):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{started:%Y%m%d-%H%M%S}-{results['scale']}"
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    md_path.write_text(markdown(results))
    for path, name in ((json_path, "latest.json"), (md_path, "latest.md")):
        (out_dir / name).write_text(path.read_text())
    return results, json_path, md_path


def _num(x, unit=""):
    if x is None:
        return "–"
    if abs(x) >= 100:
        text = f"{x:,.0f}"
    elif abs(x) >= 1:
        text = f"{x:.2f}"
    else:
        text = f"{x:.3g}"
    return f"{text} {unit}".strip()


def _target(t, sense, unit=""):
    if t is None:
        return ""
    return f"{'≤' if sense == 'le' else '≥'} {_num(t, unit)}"


def _met(m):
    return {True: "yes", False: "**no**", None: ""}[m]


def markdown(results):
    m = results["machine"]
    b = results.get("build") or {}
    lines = [
        f"# Benchmarks — scale {results['scale']}, seed {results['seed']}, {results['repeat']} repeat(s)",
        "",
        f"Started {results['started']}, finished {results.get('finished', '')}.",
        "",
        f"Machine: {m.get('cpu')} × {m.get('cores')} cores, {m.get('ram_gb')} GB RAM; {m.get('os')}; "
        f"PostgreSQL {m.get('postgresql')}, PostGIS {m.get('postgis')} (GEOS {m.get('geos')}, PROJ {m.get('proj')}); "
        f"Python {m.get('python')}, Django {m.get('django')}; database `{m.get('database')}`.",
        "",
        f"Load average (1, 5, 15 min) at start {results.get('load_at_start')}, at end {results.get('load_at_end')}.",
        "",
    ]
    if b:
        counts = ", ".join(f"{k.split('.')[-1]} {v:,}" for k, v in b.get("counts", {}).items())
        lines += [f"City: built in {_num(b.get('seconds'), 's')} ({counts}).", ""]
    lines += [
        "| benchmark | figure | median | min – max | spread | target | met |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for e in results["benchmarks"]:
        if e["status"] != "ok":
            lines.append(f"| {e['title']} | {e['status']}: {e.get('reason', '')} | | | | {e['target']} | |")
            continue
        for f in e["figures"]:
            lines.append(
                f"| {e['title']} | {f['label']} | {_num(f.get('median'), f['unit'])} | "
                f"{_num(f.get('min'))} – {_num(f.get('max'))} | {_num(f.get('spread_pct'), '%')} | "
                f"{_target(f.get('target'), f.get('sense'), f['unit'])} | {_met(f.get('met'))} |"
            )
        labels = {f["name"]: f["label"] for f in e["figures"]}
        for r in e["ratios"]:
            lines.append(
                f"| {e['title']} | ratio {labels[r['numerator']]} / {labels[r['denominator']]} | "
                f"{_num(r.get('median'), '×')} | {_num(r.get('min'))} – {_num(r.get('max'))} | "
                f"{_num(r.get('spread_pct'), '%')} | {_target(r.get('target'), r.get('sense'), '×')} | "
                f"{_met(r.get('met'))} |"
            )
    lines += ["", "Load during each benchmark (load average before → after; share of all CPUs busy):", ""]
    for e in results["benchmarks"]:
        if e["status"] == "ok":
            ld = e["load"]
            lines.append(
                f"- {e['title']}: {ld['before']} → {ld['after']}, CPUs {ld['cpu_busy_pct']}% busy, {e['seconds']} s"
            )
    return "\n".join(lines) + "\n"


def git_revision():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
