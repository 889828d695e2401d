"""Case figures per (grid cell, category, day of creation, state), kept instead of recomputed on every dashboard view.

`cases_cell_day` holds, for the cases created on one local day (settings.TIME_ZONE) in one grid cell under one
category and now in one state: how many, how many were closed by their deadline, how many have a deadline, the
summed handling time (dispatch → close) of the closed ones and how many it sums, and the earliest and latest
deadline. The dashboard's period figures (reported, by state, on-time rate, overdue, handling time, top categories,
busiest cells) add these rows up over the period's days instead of reading the cases.

"Overdue" depends on the time of the view, so it is not kept as a count: a row whose latest deadline has passed is
overdue as a whole, a row whose earliest deadline is still ahead not at all, and only the few rows whose deadlines
straddle the moment of the view (cases created in the last days) are counted from the cases (through the cell
index). The figure is exact at any time without any upkeep as time passes.

Statement-level triggers (transition tables: the intake's single inserts, the workflow's saves and bulk queryset
updates alike) queue the (cell, category, creation time) of every case written whose counted columns changed; the
dashboard calls `refresh()` before it reads (common.dashboard's summary registry) and the worker for large backlogs.
Cases outside every cell are not counted by the dashboard and not kept.
"""

from django.conf import settings
from django.db import connection as default_connection

SUMMARY_TABLE = "cases_cell_day"
QUEUE_TABLE = "cases_case_stale"
META_TABLE = "cases_cell_day_meta"  # the time zone the days were cut in
CLOCK = ("dispatched", "in_progress", "handled", "verified")  # cases.models.CLOCK_STATES
WATCHED = ("cell_id", "category_id", "created_at", "state", "deadline_at", "closed_at", "dispatched_at")


# The migration that created the tables (cases 0006) installed the triggers from this module as it was then: a
# change to the trigger SQL below needs a new migration that drops and re-creates them.
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

REFRESH_SQL = f"""
WITH done AS (DELETE FROM {QUEUE_TABLE} RETURNING cell_id, category_id, created_at),
keys AS MATERIALIZED (
    SELECT DISTINCT cell_id, category_id, (created_at AT TIME ZONE %(tz)s)::date AS day FROM done),
fresh AS MATERIALIZED (
    SELECT k.cell_id, k.category_id, k.day, c.state, {_FIGURES_SQL}
      FROM keys k
      JOIN cases_case c
        ON c.cell_id = k.cell_id AND c.category_id = k.category_id
       AND c.created_at >= (k.day::timestamp AT TIME ZONE %(tz)s)
       AND c.created_at < ((k.day + 1)::timestamp AT TIME ZONE %(tz)s)
     GROUP BY k.cell_id, k.category_id, k.day, c.state),
gone AS (
    DELETE FROM {SUMMARY_TABLE} s USING keys k
     WHERE s.cell_id = k.cell_id AND s.category_id = k.category_id AND s.day = k.day
       AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.cell_id = s.cell_id AND f.category_id = s.category_id
                                               AND f.day = s.day AND f.state = s.state)
    RETURNING 1)
{_UPSERT}"""

REBUILD_SQL = f"""
WITH fresh AS (
    SELECT c.cell_id, c.category_id, {_DAY}, c.state, {_FIGURES_SQL}
      FROM cases_case c WHERE c.cell_id IS NOT NULL GROUP BY 1, 2, 3, 4)
{_UPSERT}"""


def _tz():
    return settings.TIME_ZONE


def _stored_tz(cur):
    cur.execute(f"SELECT tz FROM {META_TABLE}")
    row = cur.fetchone()
    return row[0] if row else None


def pending(connection=None):
    """Stale entries waiting; the whole table when the days were cut in another time zone (TIME_ZONE changed)."""
    with (connection or default_connection).cursor() as cur:
        if _stored_tz(cur) != _tz():
            cur.execute("SELECT count(*) + 1 FROM cases_case")
            return cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM {QUEUE_TABLE}")
        return cur.fetchone()[0]


def refresh(connection=None):
    """Recompute the (cell, category, day) keys of the queued cases in one statement."""
    with (connection or default_connection).cursor() as cur:
        if _stored_tz(cur) != _tz():
            return rebuild(connection)
        cur.execute(REFRESH_SQL, {"tz": _tz()})
        return cur.rowcount


def rebuild(connection=None):
    """Every key from scratch (the migration's first fill, a restore, another time zone)."""
    from django.db import transaction

    connection = connection or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {QUEUE_TABLE}; DELETE FROM {SUMMARY_TABLE}; DELETE FROM {META_TABLE};")
        cur.execute(REBUILD_SQL, {"tz": _tz()})
        n = cur.rowcount
        cur.execute(f"INSERT INTO {META_TABLE} (tz) VALUES (%s)", [_tz()])
        return n


# --- reads ---------------------------------------------------------------------------------------------------------


def period_figures(cell_ids_sql, params, start, end, now, tops=True):
    """The cases created from day `start` to day `end` (inclusive, local days) in the cells selected by
    `cell_ids_sql`: {state: cases}, the totals (on_time, closed_due: closed with a deadline, overdue at `now`,
    handling: the average dispatch → close time as PostgreSQL's avg() gives it, or None), the
    categories [(name, cases)] and the cells [(code, cases)], each by cases descending then name or code (with
    `tops`; empty lists without)."""
    base = f"""
        SELECT s.* FROM {SUMMARY_TABLE} s
         WHERE s.cell_id IN ({cell_ids_sql}) AND s.day BETWEEN %s AND %s"""
    args = [*params, start, end]
    clock = list(CLOCK)
    with default_connection.cursor() as cur:
        cur.execute(
            f"""WITH r AS MATERIALIZED ({base}),
                straddle AS (
                    SELECT * FROM r WHERE r.state = ANY(%s) AND r.deadline_min < %s AND r.deadline_max >= %s)
                SELECT r.state, sum(r.cases)::int,
                       coalesce(sum(r.on_time), 0)::int,
                       coalesce(sum(r.deadlined) FILTER (WHERE r.state = 'closed'), 0)::int,
                       coalesce(sum(r.deadlined) FILTER (WHERE r.state = ANY(%s) AND r.deadline_max < %s), 0)::int
                       + coalesce((SELECT count(*) FROM straddle x JOIN cases_case c
                                     ON c.cell_id = x.cell_id AND c.category_id = x.category_id AND c.state = x.state
                                    AND c.created_at >= (x.day::timestamp AT TIME ZONE %s)
                                    AND c.created_at < ((x.day + 1)::timestamp AT TIME ZONE %s)
                                  WHERE x.state = r.state AND c.deadline_at < %s), 0)::int,
                       sum(sum(r.handling)) OVER () / nullif(sum(sum(r.handled)) OVER (), 0)
                  FROM r GROUP BY r.state""",
            [*args, clock, now, now, clock, now, _tz(), _tz(), now],
        )
        by_state, totals = {}, {"on_time": 0, "closed_due": 0, "overdue": 0, "handling": None}
        for state, n, on_time, closed_due, overdue, handling in cur.fetchall():
            by_state[state] = n
            totals["on_time"] += on_time
            totals["closed_due"] += closed_due
            totals["overdue"] += overdue
            totals["handling"] = handling  # the average over every row (the same in each): PostgreSQL's avg()
        if not tops:
            return by_state, totals, [], []
        cur.execute(
            f"""SELECT k.name, sum(r.cases)::int AS n FROM ({base}) r JOIN cases_category k ON k.id = r.category_id
                 GROUP BY k.name ORDER BY n DESC, k.name LIMIT 5""",
            args,
        )
        categories = cur.fetchall()
        cur.execute(
            f"""SELECT g.code, sum(r.cases)::int AS n FROM ({base}) r JOIN grids_gridcell g ON g.id = r.cell_id
                 GROUP BY g.code ORDER BY n DESC, g.code LIMIT 3""",
            args,
        )
        cells = cur.fetchall()
    return by_state, totals, categories, cells
