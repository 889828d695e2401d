"""Roll-ups of the kept case figures for the dashboard's upper levels: per (district or street, category, day,
state) and per (month, grid cell), derived from cases_cell_day, filled set-based from it here.

The dashboard (this app) is what reads them for a district or a street; the code that keeps them is beside the
per-cell summary it derives from, in cases/summary.py. The SQL is written out here as cases/summary.py had it when
this migration was made (commit d663ce8): the tables, the trigger functions and triggers, and the first fill. A
migration does not import the live module, so a later edit of it never changes what this migration does on a fresh
database; a change to the triggers needs a new migration."""

from django.db import migrations

SUMMARY_TABLE = "cases_cell_day"
UNIT_TABLE = "cases_unit_day"  # per (level 'd' district / 's' street, unit, category, day, state)
MONTH_TABLE = "cases_cell_month"  # per (month, cell): cases
ROLLUP_QUEUE = "cases_rollup_stale"  # (cell, category, day) keys recomputed in cases_cell_day, not yet rolled up
ROLLUP_META = "cases_rollup_meta"  # one row while the roll-ups match the grid's hierarchy; none: rebuild
FIGURES = ("cases", "on_time", "deadlined", "handling", "handled", "deadline_min", "deadline_max")

CREATE = f"""
CREATE TABLE {UNIT_TABLE} (
    level char(1) NOT NULL,
    unit_id bigint NOT NULL,
    day date NOT NULL,
    category_id bigint NOT NULL,
    state varchar(12) NOT NULL,
    cases integer NOT NULL,
    on_time integer NOT NULL,
    deadlined integer NOT NULL,
    handling interval,
    handled integer NOT NULL,
    deadline_min timestamptz,
    deadline_max timestamptz,
    PRIMARY KEY (level, unit_id, day, category_id, state)
);
CREATE TABLE {MONTH_TABLE} (
    month date NOT NULL,
    cell_id bigint NOT NULL,
    cases integer NOT NULL,
    PRIMARY KEY (month, cell_id)
);
CREATE TABLE {ROLLUP_QUEUE} (cell_id bigint NOT NULL, category_id bigint NOT NULL, day date NOT NULL);
CREATE TABLE {ROLLUP_META} (valid boolean NOT NULL);
"""

DROP = (
    f"DROP TABLE IF EXISTS {UNIT_TABLE}; DROP TABLE IF EXISTS {MONTH_TABLE}; DROP TABLE IF EXISTS {ROLLUP_QUEUE};"
    f" DROP TABLE IF EXISTS {ROLLUP_META};"
)

# Grid cells, communities and streets moved to another parent or deleted: a cell's rows now add up to another unit
# (or none), so the roll-ups are marked for a rebuild (statement-level, on a change of the parent key only).
_HIERARCHY = {"grids_gridcell": "community_id", "grids_community": "street_id", "grids_street": "district_id"}


def hierarchy_trigger_sql(drop=False):
    sql = []
    for table, parent in _HIERARCHY.items():
        for op in ("upd", "del"):
            name = f"cases_rollup_{table}_{op}"
            if drop:
                sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();")
                continue
            if op == "upd":
                event, referencing = "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
                check = f"""IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                                      WHERE o.{parent} IS DISTINCT FROM n.{parent}) THEN
        DELETE FROM {ROLLUP_META};
    END IF;"""
            else:
                event, referencing = "DELETE", ""
                check = f"DELETE FROM {ROLLUP_META};"
            sql.append(f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {check}
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {event} ON {table}
    {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}();
""")
    # TRUNCATE of the cases (a test database flushed, a restore): the roll-ups go with the summary.
    name = "cases_rollup_trunc"
    if drop:
        sql.append(f"DROP TRIGGER IF EXISTS {name} ON cases_case; DROP FUNCTION IF EXISTS {name}();")
    else:
        sql.append(f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {ROLLUP_QUEUE}; DELETE FROM {UNIT_TABLE}; DELETE FROM {MONTH_TABLE};
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER TRUNCATE ON cases_case FOR EACH STATEMENT EXECUTE FUNCTION {name}();
""")
    return "".join(sql)


# --- the first fill: every unit's and month's rows from cases_cell_day -------------------------------------------

# Each grid cell with the street and the district whose rows it adds to.
_CELL_UNITS = """
    SELECT g.id AS cell_id, u.level, u.unit_id
      FROM grids_gridcell g
      JOIN grids_community c ON c.id = g.community_id
      JOIN grids_street st ON st.id = c.street_id
     CROSS JOIN LATERAL (VALUES ('s', st.id), ('d', st.district_id)) u(level, unit_id)"""
_UNIT_SUMS = """
    sum(s.cases)::int, sum(s.on_time)::int, sum(s.deadlined)::int, sum(s.handling), sum(s.handled)::int,
    min(s.deadline_min), max(s.deadline_max)"""
_UNIT_KEY = ("level", "unit_id", "day", "category_id", "state")
_UNIT_UPSERT = f"""
INSERT INTO {UNIT_TABLE} ({", ".join(_UNIT_KEY + FIGURES)}) SELECT * FROM ufresh
ON CONFLICT ({", ".join(_UNIT_KEY)}) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in FIGURES)}"""

ROLLUP_REBUILD_SQL = f"""
WITH cu AS MATERIALIZED ({_CELL_UNITS}),
ufresh AS (
    SELECT cu.level, cu.unit_id, s.day, s.category_id, s.state, {_UNIT_SUMS}
      FROM {SUMMARY_TABLE} s JOIN cu ON cu.cell_id = s.cell_id
     GROUP BY 1, 2, 3, 4, 5),
uput AS ({_UNIT_UPSERT})
INSERT INTO {MONTH_TABLE} (month, cell_id, cases)
SELECT date_trunc('month', s.day)::date, s.cell_id, sum(s.cases)::int FROM {SUMMARY_TABLE} s GROUP BY 1, 2"""


def fill(apps, schema_editor):
    """The units' and months' rows from scratch, from cases_cell_day (set-based: one statement each)."""
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {ROLLUP_META} IN EXCLUSIVE MODE")
        cur.execute(f"DELETE FROM {ROLLUP_QUEUE}; DELETE FROM {UNIT_TABLE}; DELETE FROM {MONTH_TABLE};")
        cur.execute(ROLLUP_REBUILD_SQL)
        cur.execute(f"DELETE FROM {ROLLUP_META}; INSERT INTO {ROLLUP_META} VALUES (true)")


class Migration(migrations.Migration):
    dependencies = [
        ("cogov", "0001_initial"),
        ("cases", "0006_case_summary"),
        ("grids", "0004_household_summary"),
    ]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(hierarchy_trigger_sql(), hierarchy_trigger_sql(drop=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
