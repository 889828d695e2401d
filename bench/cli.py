"""`./dev bench`: build (or reuse) the synthetic city in its own database, run every benchmark, write the results."""

import argparse
import json
import os
import sys
from urllib.parse import urlsplit, urlunsplit

BENCH_DB = "gridwork_bench"


def database_url(name, base=None):
    """The URL of database `name` on the server of DATABASE_URL (the local cluster that ./dev starts)."""
    base = base or os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set (run through ./dev bench)")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def libpq(url):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def ensure_database(url, recreate=False):
    """Create the benchmark database with PostGIS when it is missing (drop it first with recreate)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(libpq(database_url("postgres", url)), autocommit=True) as conn:
        if recreate:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def stored_build(cur):
    cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value json NOT NULL)")
    cur.execute("SELECT value FROM bench_meta WHERE key = 'build'")
    row = cur.fetchone()
    return (json.loads(row[0]) if isinstance(row[0], str) else row[0]) if row else None


def ensure_city(scale, seed, rebuild, log):
    """Build the city unless the database already holds this scale and seed with the same set of apps."""
    from django.apps import apps
    from django.db import connection

    from bench import generate

    extras = sorted(label for label in generate.EXTRAS if apps.is_installed(label))
    with connection.cursor() as cur:
        old = stored_build(cur)
    if (
        not rebuild
        and old
        and old.get("scale", {}).get("name") == scale
        and old.get("seed") == seed
        and old.get("extras") == extras
    ):
        log(f"reusing the {scale} city (seed {seed}) built in {old['seconds']:.0f} s\n")
        return old | {"reused": True}
    log(f"building the {scale} city (seed {seed})\n")
    build = generate.build(scale, seed, log=log) | {"extras": extras}
    log(f"built in {build['seconds']:.1f} s\n")
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO bench_meta VALUES ('build', %s::json) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(build)],
        )
    return build | {"reused": False}


def ensure_buildings(build, total, seed, log):
    """Top the city's buildings up to `total` (bench.benchmarks.ogc.add_buildings); the time of the top-up that
    made them is kept in bench_meta and reported with the build."""
    from django.db import connection

    from bench.benchmarks.ogc import add_buildings

    log(f"buildings up to {total:,}\n")
    added = add_buildings(total, seed, log)
    with connection.cursor() as cur:
        stored_build(cur)
        if added["added"]:
            cur.execute(
                "INSERT INTO bench_meta VALUES ('buildings', %s::json) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [json.dumps(added)],
            )
        else:
            cur.execute("SELECT value FROM bench_meta WHERE key = 'buildings'")
            row = cur.fetchone()
            kept = (json.loads(row[0]) if isinstance(row[0], str) else row[0]) if row else {}
            added = (kept or added) | {"buildings": added["buildings"], "reused": True}
    log(f"{added['buildings']:,} buildings ({added['added']:,} added in {added['seconds']:.1f} s)\n")
    counts = build.get("counts", {}) | {"grids.Building": added["buildings"]}
    return build | {"buildings_added": added, "counts": counts}


def main(argv=None):
    from bench.generate import SCALES

    parser = argparse.ArgumentParser(prog="./dev bench", description=__doc__)
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each benchmark (default 3)")
    parser.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--rebuild", action="store_true", help="build the city even when it is already there")
    parser.add_argument("--build-only", action="store_true", help="build the city and stop")
    parser.add_argument(
        "--recreate", action="store_true", help="drop and recreate the benchmark database (after migrations changed)"
    )
    parser.add_argument("--database", default=BENCH_DB, help=f"database name (default {BENCH_DB})")
    parser.add_argument("--out", help="results folder (default bench/results)")
    parser.add_argument(
        "--buildings",
        type=int,
        help="top the city's buildings up to N (set-based, for ogc-buildings), in a database of its own (--database)",
    )
    args = parser.parse_args(argv)
    if "bench" not in args.database:
        parser.error("the benchmark database empties its tables: its name must contain 'bench'")
    if args.buildings is not None and (args.database == BENCH_DB or args.buildings < 1):
        parser.error(
            f"--buildings takes a positive count and a database of its own (--database {BENCH_DB}_ogc): "
            "the shared city's buildings are what the other benchmarks read"
        )

    url = database_url(args.database)
    ensure_database(url, recreate=args.recreate)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridwork.settings.dev")
    os.environ["DJANGO_DEBUG"] = "0"

    import django

    django.setup()
    from django.core.management import call_command

    from bench.benchmarks import all_benchmarks
    from bench.harness import RESULTS_DIR, Context, run_all

    def log(text):
        sys.stdout.write(text)
        sys.stdout.flush()

    try:
        call_command("migrate", verbosity=0, interactive=False)
    except Exception as exc:
        sys.exit(f"migrating {args.database} failed ({exc}); start afresh with ./dev bench --recreate")
    build = ensure_city(args.scale, args.seed, args.rebuild or args.recreate, log)
    if args.buildings:
        build = ensure_buildings(build, args.buildings, args.seed, log)
    if args.build_only:
        return
    ctx = Context(database_url=url, scale=args.scale, seed=args.seed, repeat=args.repeat, build=build, log=log)
    _results, json_path, md_path = run_all(all_benchmarks(), ctx, args.out or RESULTS_DIR, only=args.only)
    log("\n" + md_path.read_text() + f"\nresults: {md_path}\n         {json_path}\n")
