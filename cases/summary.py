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

Roll-ups for the upper levels (migration cogov 0002): at 500,000 cases a year over 5,000 cells almost every case is
a row of its own in `cases_cell_day`, so a district's 30 days were ~40,000 rows. `cases_unit_day` holds the same
figures per (district or street, category, day, state) — a district's 30 days are ~4,000 rows, a street's ~1,000 —
and `cases_cell_month` each cell's cases per month, from which the busiest cells of any period are the months it
covers plus (or minus) the days at its edges, whichever are fewer (the month so far is its month's row). Both are
derived from `cases_cell_day`: `refresh()` queues the (cell, category, day) keys it recomputed and a second
statement recomputes the units' and months' rows of those keys. A grid cell, community or street moved to another
parent (or deleted) changes which unit a cell's rows add up to: a trigger on those tables marks the roll-ups for a
rebuild (set-based, from `cases_cell_day`), which the dashboard leaves to the worker as a large backlog.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection as default_connection

SUMMARY_TABLE = "cases_cell_day"
QUEUE_TABLE = "cases_case_stale"
META_TABLE = "cases_cell_day_meta"  # the time zone the days were cut in
UNIT_TABLE = "cases_unit_day"  # per (level 'd' district / 's' street, unit, category, day, state)
MONTH_TABLE = "cases_cell_month"  # per (month, cell): cases
ROLLUP_QUEUE = "cases_rollup_stale"  # (cell, category, day) keys recomputed in cases_cell_day, not yet rolled up
ROLLUP_META = "cases_rollup_meta"  # one row while the roll-ups match the grid's hierarchy; none: rebuild
UNIT_LEVELS = {"district": "d", "street": "s"}
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
queued AS (INSERT INTO {ROLLUP_QUEUE} SELECT cell_id, category_id, day FROM keys),
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


def _rollups_valid(cur):
    cur.execute(f"SELECT count(*) FROM {ROLLUP_META}")
    return cur.fetchone()[0] > 0


def pending(connection=None):
    """Stale entries waiting; the whole table when the days were cut in another time zone (TIME_ZONE changed) or
    the roll-ups wait for a rebuild (the grid's hierarchy changed)."""
    with (connection or default_connection).cursor() as cur:
        if _stored_tz(cur) != _tz():
            cur.execute("SELECT count(*) + 1 FROM cases_case")
            return cur.fetchone()[0]
        if not _rollups_valid(cur):
            cur.execute(f"SELECT count(*) + 1 FROM {SUMMARY_TABLE}")
            return cur.fetchone()[0]
        cur.execute(f"SELECT (SELECT count(*) FROM {QUEUE_TABLE}) + (SELECT count(*) FROM {ROLLUP_QUEUE})")
        return cur.fetchone()[0]


REFRESH_LOCK = "cases_summary_refresh"


def refresh(connection=None):
    """Recompute the (cell, category, day) keys of the queued cases in one statement, then their roll-ups in
    another: in one transaction (the keys leave the queues only with the rows they change, so a statement that fails
    or is cancelled leaves them queued for the next refresh), one refresh at a time (an advisory lock: a slower one
    from an older snapshot cannot write its figures over a newer one's)."""
    from django.db import transaction

    connection = connection or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [REFRESH_LOCK])
        if _stored_tz(cur) != _tz():
            return rebuild(connection)
        cur.execute(REFRESH_SQL, {"tz": _tz()})
        n = cur.rowcount
        if not _rollups_valid(cur):
            rebuild_rollups(connection)
        else:
            _refresh_rollups(cur)
        return n


def rebuild_rollups(connection=None):
    """The units' and months' rows from scratch, from cases_cell_day (set-based: one statement each)."""
    from django.db import transaction

    connection = connection or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {ROLLUP_META} IN EXCLUSIVE MODE")
        cur.execute(f"DELETE FROM {ROLLUP_QUEUE}; DELETE FROM {UNIT_TABLE}; DELETE FROM {MONTH_TABLE};")
        cur.execute(ROLLUP_REBUILD_SQL)
        cur.execute(f"DELETE FROM {ROLLUP_META}; INSERT INTO {ROLLUP_META} VALUES (true)")


def rebuild(connection=None):
    """Every key from scratch (the migration's first fill, a restore, another time zone)."""
    from django.db import transaction

    connection = connection or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {QUEUE_TABLE}; DELETE FROM {SUMMARY_TABLE}; DELETE FROM {META_TABLE};")
        cur.execute(REBUILD_SQL, {"tz": _tz()})
        n = cur.rowcount
        cur.execute(f"INSERT INTO {META_TABLE} (tz) VALUES (%s)", [_tz()])
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [UNIT_TABLE])
        if cur.fetchone()[0]:  # not yet while migrating: cogov 0002 creates and fills the roll-ups
            rebuild_rollups(connection)
        return n


# --- roll-ups: per (district or street, category, day, state) and per (month, cell) -------------------------------

# Each grid cell with the street and the district whose rows it adds to.
_CELL_UNITS = """
    SELECT g.id AS cell_id, u.level, u.unit_id
      FROM grids_gridcell g
      JOIN grids_community c ON c.id = g.community_id
      JOIN grids_street st ON st.id = c.street_id
     CROSS JOIN LATERAL (VALUES ('s'::char(1), st.id), ('d'::char(1), st.district_id)) u(level, unit_id)"""
_UNIT_SUMS = """
    sum(s.cases)::int, sum(s.on_time)::int, sum(s.deadlined)::int, sum(s.handling), sum(s.handled)::int,
    min(s.deadline_min), max(s.deadline_max)"""
_UNIT_KEY = ("level", "unit_id", "day", "category_id", "state")
_UNIT_UPSERT = f"""
INSERT INTO {UNIT_TABLE} ({", ".join(_UNIT_KEY + FIGURES)}) SELECT * FROM ufresh
ON CONFLICT ({", ".join(_UNIT_KEY)}) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in FIGURES)}"""

# The rows of every unit for the days and categories of the queued keys are recomputed (a few more than the keys:
# exact all the same), from those days' kept rows read once. The days, categories and months come in as constant
# arrays (read from the queue first): estimated from the queue table, the planner read every row of the roll-up and
# joined the keys before the cells (seconds instead of milliseconds for a few thousand keys).
ROLLUP_REFRESH_SQL = f"""
WITH drows AS MATERIALIZED (
    SELECT s.* FROM {SUMMARY_TABLE} s
     WHERE s.day = ANY(%(days)s::date[]) AND s.category_id = ANY(%(categories)s::bigint[])),
every AS MATERIALIZED ({_CELL_UNITS}),
ufresh AS MATERIALIZED (
    SELECT u.level, u.unit_id, s.day, s.category_id, s.state, {_UNIT_SUMS}
      FROM drows s JOIN every u ON u.cell_id = s.cell_id
     GROUP BY 1, 2, 3, 4, 5),
ugone AS (
    DELETE FROM {UNIT_TABLE} t
     WHERE t.level = ANY(ARRAY['d', 's']::char(1)[]) AND t.unit_id = ANY(ARRAY(SELECT DISTINCT unit_id FROM every))
       AND t.day = ANY(%(days)s::date[]) AND t.category_id = ANY(%(categories)s::bigint[])
       AND NOT EXISTS (SELECT 1 FROM ufresh f WHERE f.level = t.level AND f.unit_id = t.unit_id AND f.day = t.day
                                                AND f.category_id = t.category_id AND f.state = t.state)),
uput AS ({_UNIT_UPSERT}),
mfresh AS MATERIALIZED (
    SELECT k.month, k.cell_id,
           coalesce((SELECT sum(s.cases) FROM {SUMMARY_TABLE} s
                      WHERE s.cell_id = k.cell_id AND s.day >= k.month
                        AND s.day < (k.month + interval '1 month')::date), 0)::int AS cases
      FROM unnest(%(month_months)s::date[], %(month_cells)s::bigint[]) k(month, cell_id)),
mgone AS (DELETE FROM {MONTH_TABLE} t USING mfresh f WHERE t.month = f.month AND t.cell_id = f.cell_id AND f.cases = 0)
INSERT INTO {MONTH_TABLE} (month, cell_id, cases) SELECT * FROM mfresh WHERE cases > 0
ON CONFLICT (month, cell_id) DO UPDATE SET cases = EXCLUDED.cases"""


def _refresh_rollups(cur):
    """The roll-up rows of the keys queued by the last refresh (see ROLLUP_REFRESH_SQL)."""
    cur.execute(
        f"""WITH done AS (DELETE FROM {ROLLUP_QUEUE} RETURNING cell_id, category_id, day)
            SELECT DISTINCT cell_id, category_id, day FROM done"""
    )
    keys = cur.fetchall()
    if not keys:
        return
    months = sorted({(d.replace(day=1), c) for c, _k, d in keys})
    cur.execute(
        ROLLUP_REFRESH_SQL,
        {
            "days": sorted({d for _c, _k, d in keys}),
            "categories": sorted({k for _c, k, _d in keys}),
            "month_months": [m for m, _c in months],
            "month_cells": [c for _m, c in months],
        },
    )


ROLLUP_REBUILD_SQL = f"""
WITH cu AS MATERIALIZED ({_CELL_UNITS}),
ufresh AS (
    SELECT cu.level, cu.unit_id, s.day, s.category_id, s.state, {_UNIT_SUMS}
      FROM {SUMMARY_TABLE} s JOIN cu ON cu.cell_id = s.cell_id
     GROUP BY 1, 2, 3, 4, 5),
uput AS ({_UNIT_UPSERT})
INSERT INTO {MONTH_TABLE} (month, cell_id, cases)
SELECT date_trunc('month', s.day)::date, s.cell_id, sum(s.cases)::int FROM {SUMMARY_TABLE} s GROUP BY 1, 2"""


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


# --- reads ---------------------------------------------------------------------------------------------------------


def _month_start(day):
    return day.replace(day=1)


def _next_month(day):
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_cover(start, end, today=None):
    """The days start..end (inclusive) as (months, added, taken): whole months to add from cases_cell_month, and
    day ranges (first, last) to add and to take away from cases_cell_day. A month the period covers in part is read
    as its days or as the whole month less the days outside the period, whichever reads fewer days (days after
    `today`, local, hold no cases yet and cost nothing: the month so far is its month's row). Exact either way."""
    from django.utils import timezone

    today = today or timezone.localdate()
    months, added, taken = [], [], []
    m = _month_start(start)
    while m <= end:
        following = _next_month(m)
        last_of_month = following - timedelta(days=1)
        first, last = max(start, m), min(end, last_of_month)
        inside = (last - first).days + 1
        outside_read = (first - m).days + max(0, (min(last_of_month, today) - last).days)
        if outside_read < inside:
            months.append(m)
            if first > m:
                taken.append((m, first - timedelta(days=1)))
            if last < last_of_month:
                taken.append((last + timedelta(days=1), last_of_month))
        else:
            added.append((first, last))
        m = following
    return months, added, taken


def _days_sql(ranges, alias="s"):
    if not ranges:
        return "false", []
    return " OR ".join(f"{alias}.day BETWEEN %s AND %s" for _r in ranges), [d for r in ranges for d in r]


def busiest_cells(cell_ids_sql, params, start, end, limit=3):
    """[(code, cases)] of the cells with the most cases created start..end, by cases descending then code: from
    the months the period covers and the days at its edges (month_cover)."""
    months, added, taken = month_cover(start, end)
    plus, plus_args = _days_sql(added)
    minus, minus_args = _days_sql(taken)
    with default_connection.cursor() as cur:
        cur.execute(
            f"""SELECT g.code, sum(x.n)::int AS n FROM (
                    SELECT m.cell_id, m.cases AS n FROM {MONTH_TABLE} m
                     WHERE m.month = ANY(%s) AND m.cell_id IN ({cell_ids_sql})
                    UNION ALL
                    SELECT s.cell_id, s.cases FROM {SUMMARY_TABLE} s WHERE ({plus}) AND s.cell_id IN ({cell_ids_sql})
                    UNION ALL
                    SELECT s.cell_id, -s.cases FROM {SUMMARY_TABLE} s WHERE ({minus}) AND s.cell_id IN ({cell_ids_sql})
                ) x JOIN grids_gridcell g ON g.id = x.cell_id
                GROUP BY g.code HAVING sum(x.n) > 0 ORDER BY n DESC, g.code LIMIT %s""",
            [months, *params, *plus_args, *params, *minus_args, *params, limit],
        )
        return cur.fetchall()


def period_figures(cell_ids_sql, params, start, end, now, tops=True, unit=None):
    """The cases created from day `start` to day `end` (inclusive, local days) in the cells selected by
    `cell_ids_sql`: {state: cases}, the totals (on_time, closed_due: closed with a deadline, overdue at `now`,
    handling: the average dispatch → close time as PostgreSQL's avg() gives it, or None), the
    categories [(name, cases)] and the cells [(code, cases)], each by cases descending then name or code (with
    `tops`; empty lists without). With `unit` (("district" or "street", id), whose cells `cell_ids_sql` selects)
    the figures come from the unit's roll-up rows and the busiest cells from the months (busiest_cells)."""
    clock = list(CLOCK)
    if unit is not None:
        level, unit_id = unit
        base = f"""
            SELECT s.* FROM {UNIT_TABLE} s WHERE s.level = %s AND s.unit_id = %s AND s.day BETWEEN %s AND %s"""
        args = [UNIT_LEVELS[level], unit_id, start, end]
        # a straddling row's cases: of its category, state and day, in the unit's cells
        match = f"c.cell_id IN ({cell_ids_sql})"
        match_args = list(params)
    else:
        base = f"""
            SELECT s.* FROM {SUMMARY_TABLE} s
             WHERE s.cell_id IN ({cell_ids_sql}) AND s.day BETWEEN %s AND %s"""
        args = [*params, start, end]
        match, match_args = "c.cell_id = x.cell_id", []
    with default_connection.cursor() as cur:
        cur.execute(
            f"""WITH r AS MATERIALIZED ({base}),
                late AS (
                    SELECT x.state, count(*) AS n
                      FROM r x JOIN cases_case c
                        ON {match} AND c.category_id = x.category_id AND c.state = x.state
                       AND c.created_at >= (x.day::timestamp AT TIME ZONE %s)
                       AND c.created_at < ((x.day + 1)::timestamp AT TIME ZONE %s)
                     WHERE x.state = ANY(%s) AND x.deadline_min < %s AND x.deadline_max >= %s AND c.deadline_at < %s
                     GROUP BY x.state)
                SELECT r.state, sum(r.cases)::int,
                       coalesce(sum(r.on_time), 0)::int,
                       coalesce(sum(r.deadlined) FILTER (WHERE r.state = 'closed'), 0)::int,
                       coalesce(sum(r.deadlined) FILTER (WHERE r.state = ANY(%s) AND r.deadline_max < %s), 0)::int
                       + coalesce(max(l.n), 0)::int,
                       sum(sum(r.handling)) OVER () / nullif(sum(sum(r.handled)) OVER (), 0)
                  FROM r LEFT JOIN late l ON l.state = r.state GROUP BY r.state""",
            [*args, *match_args, _tz(), _tz(), clock, now, now, now, clock, now],
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
        if unit is not None:
            return by_state, totals, categories, busiest_cells(cell_ids_sql, params, start, end)
        cur.execute(
            f"""SELECT g.code, sum(r.cases)::int AS n FROM ({base}) r JOIN grids_gridcell g ON g.id = r.cell_id
                 GROUP BY g.code ORDER BY n DESC, g.code LIMIT 3""",
            args,
        )
        cells = cur.fetchall()
    return by_state, totals, categories, cells
