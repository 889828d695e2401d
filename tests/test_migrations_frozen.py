"""Migrations do not import live project code, and the database they build is the one the live code expects.

A migration that imported its SQL from a project module (assets.summary, cases.summary, ...) would, after a later
edit of that module, do something else on a fresh database than it did when it was written, while every database
already past it keeps the old SQL. So the migrations carry their SQL themselves, and:

- no migration file imports a project module, except the references Django's autodetector writes into field
  arguments (validators, default, upload_to), model bases and constraint expressions, which it keeps in sync with
  the models itself;
- the functions and triggers the migrations made (the test database is built by running them) are, in
  pg_get_functiondef / pg_get_triggerdef, exactly what the live modules' SQL makes: a change of the live SQL
  without a migration fails here;
- each migration's first fill gives the same rows as the live module's rebuild.
"""

import ast
import importlib
import math
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent

# The project's own packages: the top-level folders that are Python packages.
PROJECT = {p.parent.name for p in ROOT.glob("*/__init__.py")}
MIGRATIONS = sorted(p for p in ROOT.glob("*/migrations/[0-9]*.py") if p.parent.parent.name in PROJECT)

# What Django's autodetector writes as a reference to project code, and where: a module imported with a plain
# `import a.b` at the top, used only inside these keyword arguments (validators=[...], default=..., upload_to=...,
# bases=(...), a constraint's expressions=[...]). The autodetector compares these with the models' own and writes
# a new migration when they change.
AUTODETECTOR_MODULES = {"assets.models", "assets.photos", "cases.models", "cocreate.models", "common.validators"}
AUTODETECTOR_KEYWORDS = {"validators", "default", "upload_to", "bases", "expressions"}


def _root(name):
    return (name or "").split(".")[0]


def _problems(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    problems, allowed_roots = [], set()
    top_level = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level or _root(node.module) in PROJECT:
                problems.append(f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import ...")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _root(alias.name) not in PROJECT:
                    continue
                if alias.asname or alias.name not in AUTODETECTOR_MODULES or id(node) not in top_level:
                    problems.append(f"line {node.lineno}: import {alias.name}")
                else:
                    allowed_roots.add(_root(alias.name))
    # A project module the autodetector referenced is used inside its field arguments and model bases only.
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in AUTODETECTOR_KEYWORDS:
            inside.update(map(id, ast.walk(node.value)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in allowed_roots and id(node) not in inside:
            problems.append(f"line {node.lineno}: {node.id}... used outside a field argument or model bases")
    return problems


def test_the_migrations_are_found():
    names = {f"{p.parent.parent.name}/{p.name}" for p in MIGRATIONS}
    assert {"assets/0003_cell_summaries.py", "cases/0006_case_summary.py", "cogov/0002_case_rollups.py"} <= names


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_no_migration_imports_project_code(path):
    assert _problems(path) == []


def test_the_import_check_catches_what_it_is_for(tmp_path):
    bad = tmp_path / "0009_bad.py"
    bad.write_text(
        "import cases.models\nfrom cases.summary import trigger_sql\nimport grids.summary\n"
        "from django.db import migrations, models\n"
        "def fill(apps, schema_editor):\n    from assets.summary import rebuild\n"
        "X = cases.models.SUMMARY\n"
        "F = models.CharField(upload_to=cases.models.photo_path)\n"
    )
    found = _problems(bad)
    assert [p.split(":")[0] for p in found] == ["line 2", "line 3", "line 6", "line 7"], found


# --- the database the migrations built ----------------------------------------------------------------------------

FUNCTIONS_SQL = """
SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND p.prokind = 'f'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')"""
TRIGGERS_SQL = """
SELECT t.tgrelid::regclass::text || ' ' || t.tgname, pg_get_triggerdef(t.oid)
  FROM pg_trigger t WHERE NOT t.tgisinternal"""

# Made by a migration only, with no SQL of theirs in a live module (assets 0007: the map clusters' lock taken
# before a writer's statement locks a row).
MIGRATION_ONLY = {
    "function assets_map_lock_first()",
    "trigger assets_asset assets_map_lock_asset",
    "trigger assets_assettype assets_map_lock_type",
    "trigger assets_adoption assets_map_lock_adoption",
}


def _objects():
    with connection.cursor() as cur:
        cur.execute(FUNCTIONS_SQL)
        out = {f"function {name}": d for name, d in cur.fetchall()}
        cur.execute(TRIGGERS_SQL)
        out.update({f"trigger {name}": d for name, d in cur.fetchall()})
    return out


def _live_sql():
    """(drop, create) of every function and trigger the live modules define."""
    from assets import map_clusters
    from assets import summary as assets_summary
    from cases import summary as cases_summary
    from grids import summary as grids_summary

    return [
        (grids_summary.trigger_sql(drop=True), grids_summary.trigger_sql()),
        (assets_summary.trigger_sql(drop=True), assets_summary.trigger_sql()),
        (cases_summary.trigger_sql(drop=True), cases_summary.trigger_sql()),
        (cases_summary.hierarchy_trigger_sql(drop=True), cases_summary.hierarchy_trigger_sql()),
        (
            map_clusters.trigger_sql(drop=True) + map_clusters.DROP_FUNCTIONS,
            map_clusters.FUNCTIONS + map_clusters.trigger_sql(),
        ),
    ]


@pytest.mark.django_db
def test_the_test_database_is_built_by_the_migrations():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == [], "migrations not applied"


@pytest.mark.django_db
def test_migrated_functions_and_triggers_equal_the_live_sql():
    """Every function and trigger is dropped and made again from the live modules' SQL (in the test's transaction,
    rolled back): the definitions PostgreSQL gives back are the same, and nothing the migrations made is left out
    of the live SQL but the objects named in MIGRATION_ONLY."""
    migrated = _objects()
    assert any(k.startswith("trigger ") for k in migrated) and any(k.startswith("function ") for k in migrated)
    live = _live_sql()
    with connection.cursor() as cur:
        for drop, _create in live:
            cur.execute(drop)
        left = _objects()
        for _drop, create in live:
            cur.execute(create)
    assert set(left) == MIGRATION_ONLY, "made by the migrations, not in the live SQL (or the other way)"
    remade = _objects()
    assert set(remade) == set(migrated)
    different = sorted(k for k in migrated if migrated[k] != remade[k])
    assert different == [], f"the live SQL differs from what the migrations made: {different}"


@pytest.mark.django_db
def test_a_live_change_without_a_migration_is_caught():
    """The comparison sees a one-word change of a trigger function's body."""
    migrated = _objects()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE OR REPLACE FUNCTION grids_household_summary_trunc() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN DELETE FROM grids_household_stale; RETURN NULL; END $$;"
        )
    changed = _objects()
    assert [k for k in migrated if migrated[k] != changed[k]] == ["function grids_household_summary_trunc()"]


# --- the first fills --------------------------------------------------------------------------------------------

# (migration, the kept tables its fill writes)
FILLS = [
    (("grids", "0004_household_summary"), ["grids_household_summary", "grids_household_stale"]),
    (("cases", "0006_case_summary"), ["cases_cell_day", "cases_case_stale", "cases_cell_day_meta"]),
    (
        ("assets", "0003_cell_summaries"),
        [
            "assets_sanitation_distance",
            "assets_cell_reach",
            "assets_green_piece",
            "assets_household_stale",
            "assets_cell_stale",
            "assets_asset_change",
        ],
    ),
    (
        ("cogov", "0002_case_rollups"),
        ["cases_unit_day", "cases_cell_month", "cases_rollup_stale", "cases_rollup_meta"],
    ),
    (("assets", "0004_map_clusters"), ["assets_map_cluster", "assets_map_member", "assets_map_meta"]),
]


def _rows(table):
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table}")
        return sorted(cur.fetchall(), key=repr)


def _same_rows(a, b):
    """Equal rows, floats to a micrometre (a distance measured to a multipoint or point by point)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) and isinstance(v, float):
                if not math.isclose(u, v, rel_tol=0, abs_tol=1e-6):
                    return False
            elif u != v:
                return False
    return True


def _live_rebuild():
    from assets import map_clusters
    from assets import summary as assets_summary
    from cases import summary as cases_summary
    from grids import summary as grids_summary

    grids_summary.rebuild()
    cases_summary.rebuild()  # with the roll-ups
    assets_summary.rebuild()
    map_clusters.rebuild()


@pytest.mark.django_db
def test_the_migrations_first_fills_equal_the_live_rebuilds():
    """On a generated city, each migration's own fill writes the rows the live module's rebuild writes."""
    from bench import generate
    from grids.models import Household

    generate.build("tiny", seed=7)
    # Some households soft-deleted and some outside every cell, as a database past these migrations may hold them.
    homes = list(Household.objects.order_by("id").values_list("pk", flat=True))
    Household.objects.filter(pk__in=homes[:5]).update(deleted_at=timezone.now())
    Household.objects.filter(pk__in=homes[5:8]).update(cell=None)
    _live_rebuild()
    tables = [t for _m, ts in FILLS for t in ts]
    live = {t: _rows(t) for t in tables}
    assert live["assets_sanitation_distance"] and live["cases_unit_day"] and live["assets_map_cluster"]
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(tables)}")
    loader = MigrationExecutor(connection).loader
    for (app, name), _tables in FILLS:
        module = importlib.import_module(f"{app}.migrations.{name}")
        apps = loader.project_state((app, name)).apps
        with connection.schema_editor(atomic=False) as editor:
            module.fill(apps, editor)
    different = [t for t in tables if not _same_rows(_rows(t), live[t])]
    assert different == []
