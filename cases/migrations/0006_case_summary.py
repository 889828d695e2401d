"""Case figures per (grid cell, category, day, state), kept by triggers (the code that reads and refreshes them:
cases/summary.py).

The SQL is written out here as cases/summary.py had it when this migration was made (commit ca46e2a): the tables,
the trigger functions and triggers, and the first fill (its days cut in settings.TIME_ZONE, which it records). A
migration does not import the live module, so a later edit of it never changes what this migration does on a fresh
database; a change to the triggers needs a new migration."""

from django.conf import settings
from django.db import migrations

SUMMARY_TABLE = "cases_cell_day"
QUEUE_TABLE = "cases_case_stale"
META_TABLE = "cases_cell_day_meta"  # the time zone the days were cut in
WATCHED = ("cell_id", "category_id", "created_at", "state", "deadline_at", "closed_at", "dispatched_at")

CREATE = f"""
CREATE TABLE {SUMMARY_TABLE} (
    cell_id bigint NOT NULL,
    category_id bigint NOT NULL,
    day date NOT NULL,
    state varchar(12) NOT NULL,
    cases integer NOT NULL,
    on_time integer NOT NULL,
    deadlined integer NOT NULL,
    handling interval,
    handled integer NOT NULL,
    deadline_min timestamptz,
    deadline_max timestamptz,
    PRIMARY KEY (cell_id, category_id, day, state)
);
CREATE INDEX {SUMMARY_TABLE}_day ON {SUMMARY_TABLE} (day, cell_id);
CREATE TABLE {QUEUE_TABLE} (cell_id bigint NOT NULL, category_id bigint NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE {META_TABLE} (tz text NOT NULL);
"""

DROP = f"DROP TABLE IF EXISTS {SUMMARY_TABLE}; DROP TABLE IF EXISTS {QUEUE_TABLE}; DROP TABLE IF EXISTS {META_TABLE};"


def trigger_sql(drop=False):
    ops = ("ins", "upd", "del", "trunc")
    if drop:
        return "".join(
            f"DROP TRIGGER IF EXISTS cases_summary_{op} ON cases_case; DROP FUNCTION IF EXISTS cases_summary_{op}();"
            for op in ops
        )
    old = ", ".join(f"o.{c}" for c in WATCHED)
    new = ", ".join(f"n.{c}" for c in WATCHED)
    bodies = {
        "ins": (
            "INSERT",
            "REFERENCING NEW TABLE AS new_rows",
            f"INSERT INTO {QUEUE_TABLE} SELECT n.cell_id, n.category_id, n.created_at FROM new_rows n"
            " WHERE n.cell_id IS NOT NULL",
        ),
        "del": (
            "DELETE",
            "REFERENCING OLD TABLE AS old_rows",
            f"INSERT INTO {QUEUE_TABLE} SELECT o.cell_id, o.category_id, o.created_at FROM old_rows o"
            " WHERE o.cell_id IS NOT NULL",
        ),
        "upd": (
            "UPDATE",
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            f"""INSERT INTO {QUEUE_TABLE}
                SELECT DISTINCT k.* FROM old_rows o JOIN new_rows n ON n.id = o.id
                 CROSS JOIN LATERAL (VALUES (o.cell_id, o.category_id, o.created_at),
                                            (n.cell_id, n.category_id, n.created_at)) k(cell_id, category_id, at)
                 WHERE k.cell_id IS NOT NULL AND ({old}) IS DISTINCT FROM ({new})""",
        ),
        # TRUNCATE (a test database flushed between tests, a restore): the summary goes with the table.
        "trunc": ("TRUNCATE", "", f"DELETE FROM {QUEUE_TABLE}; DELETE FROM {SUMMARY_TABLE}"),
    }
    sql = []
    for op, (event, referencing, body) in bodies.items():
        sql.append(f"""
CREATE FUNCTION cases_summary_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body};
    RETURN NULL;
END $$;
CREATE TRIGGER cases_summary_{op} AFTER {event} ON cases_case
    {referencing} FOR EACH STATEMENT EXECUTE FUNCTION cases_summary_{op}();
""")
    return "".join(sql)


FIGURES = ("cases", "on_time", "deadlined", "handling", "handled", "deadline_min", "deadline_max")
_DAY = "(c.created_at AT TIME ZONE %(tz)s)::date"
_FIGURES_SQL = """
    count(*),
    count(*) FILTER (WHERE c.state = 'closed' AND c.deadline_at IS NOT NULL AND c.closed_at <= c.deadline_at),
    count(c.deadline_at),
    sum(c.closed_at - c.dispatched_at) FILTER (WHERE c.state = 'closed' AND c.dispatched_at IS NOT NULL),
    count(c.closed_at - c.dispatched_at) FILTER (WHERE c.state = 'closed' AND c.dispatched_at IS NOT NULL),
    min(c.deadline_at),
    max(c.deadline_at)"""
_KEY = ("cell_id", "category_id", "day", "state")
_UPSERT = f"""
INSERT INTO {SUMMARY_TABLE} ({", ".join(_KEY + FIGURES)}) SELECT * FROM fresh
ON CONFLICT ({", ".join(_KEY)}) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in FIGURES)}"""

REBUILD_SQL = f"""
WITH fresh AS (
    SELECT c.cell_id, c.category_id, {_DAY}, c.state, {_FIGURES_SQL}
      FROM cases_case c WHERE c.cell_id IS NOT NULL GROUP BY 1, 2, 3, 4)
{_UPSERT}"""


def fill(apps, schema_editor):
    """Every key from scratch, the days cut in settings.TIME_ZONE."""
    tz = settings.TIME_ZONE
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DELETE FROM {QUEUE_TABLE}; DELETE FROM {SUMMARY_TABLE}; DELETE FROM {META_TABLE};")
        cur.execute(REBUILD_SQL, {"tz": tz})
        cur.execute(f"INSERT INTO {META_TABLE} (tz) VALUES (%s)", [tz])


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_caseevent_partitions")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(trigger_sql(), trigger_sql(drop=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
