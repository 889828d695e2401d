"""Household figures per (community, grid cell), kept instead of recomputed on every dashboard view.

`grids_household_summary` holds one row per (community, cell) pair that has ever held a household (cell 0: the
households of a community outside every cell): households, resident households, sanitary toilets, 美丽庭院 (awarded
courtyards of resident households), elderly living alone and residents. A district or street adds up its rows (one
per cell) instead of grouping its households.

Why triggers and not Django signals: households are written in bulk without any save() — the cell assignment is
one UPDATE (grids.assignment), imports and the soft delete are queryset updates — and a signal would miss all of
them. Statement-level AFTER triggers with transition tables see every write, once per statement, and insert the
(community, cell) keys whose figures may have changed into `grids_household_stale` (an update only when a counted
column changed). `refresh()` then recomputes the stale keys with one INSERT … ON CONFLICT DO UPDATE; the dashboard
calls it before it reads (through common.dashboard's summary registry) and the worker for large backlogs.
"""

from django.db import connection as default_connection

SUMMARY_TABLE = "grids_household_summary"
STALE_TABLE = "grids_household_stale"
FIGURES = ("households", "resident", "sanitary", "courtyard", "elderly_alone", "residents")
# The columns a figure depends on: an update that changes none of them leaves the summary as it is.
WATCHED = ("community_id", "cell_id", "status", "toilet", "courtyard", "elderly_alone", "residents", "deleted_at")

_KEY = "coalesce({t}.community_id, 0), coalesce({t}.cell_id, 0)"


# The migration that created the tables (grids 0004) installed the triggers from this module as it
# was then: a change to the trigger SQL below needs a new migration that drops and re-creates them.
def trigger_sql(drop=False):
    """The trigger functions and statement-level triggers on grids_household that mark keys stale."""
    if drop:
        return "".join(
            f"DROP TRIGGER IF EXISTS grids_household_summary_{op} ON grids_household;"
            f"DROP FUNCTION IF EXISTS grids_household_summary_{op}();"
            for op in ("ins", "upd", "del", "trunc")
        )
    old = ", ".join(f"o.{c}" for c in WATCHED)
    new = ", ".join(f"n.{c}" for c in WATCHED)
    bodies = {
        "ins": ("INSERT", "NEW TABLE AS new_rows", f"SELECT DISTINCT {_KEY.format(t='n')} FROM new_rows n"),
        "del": ("DELETE", "OLD TABLE AS old_rows", f"SELECT DISTINCT {_KEY.format(t='o')} FROM old_rows o"),
        "upd": (
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            f"""SELECT DISTINCT k.community_id, k.cell_id
                  FROM old_rows o JOIN new_rows n ON n.id = o.id
                 CROSS JOIN LATERAL (VALUES ({_KEY.format(t="o")}), ({_KEY.format(t="n")})) k(community_id, cell_id)
                 WHERE ({old}) IS DISTINCT FROM ({new})""",
        ),
    }
    sql = []
    for op, (event, referencing, select) in bodies.items():
        sql.append(f"""
CREATE FUNCTION grids_household_summary_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {STALE_TABLE} (community_id, cell_id) {select};
    RETURN NULL;
END $$;
CREATE TRIGGER grids_household_summary_{op} AFTER {event} ON grids_household
    REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION grids_household_summary_{op}();
""")
    # TRUNCATE (a test database flushed between tests, a restore) empties the summary with the table.
    sql.append(f"""
CREATE FUNCTION grids_household_summary_trunc() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {STALE_TABLE};
    DELETE FROM {SUMMARY_TABLE};
    RETURN NULL;
END $$;
CREATE TRIGGER grids_household_summary_trunc AFTER TRUNCATE ON grids_household
    FOR EACH STATEMENT EXECUTE FUNCTION grids_household_summary_trunc();
""")
    return "".join(sql)


_FIGURES_SQL = """
    count(h.id),
    count(h.id) FILTER (WHERE h.status = 'resident'),
    count(h.id) FILTER (WHERE h.toilet = 'sanitary'),
    count(h.id) FILTER (WHERE h.courtyard = 'awarded' AND h.status = 'resident'),
    count(h.id) FILTER (WHERE h.elderly_alone),
    coalesce(sum(h.residents), 0)"""
_UPSERT = f"""
INSERT INTO {SUMMARY_TABLE} (community_id, cell_id, {", ".join(FIGURES)}) SELECT * FROM fig
ON CONFLICT (community_id, cell_id) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in FIGURES)}"""

REFRESH_SQL = f"""
WITH done AS (DELETE FROM {STALE_TABLE} RETURNING community_id, cell_id),
keys AS (SELECT DISTINCT community_id, cell_id FROM done),
fig AS (
    SELECT k.community_id, k.cell_id, f.*
      FROM keys k
     CROSS JOIN LATERAL (
        SELECT {_FIGURES_SQL}
          FROM grids_household h
         WHERE h.deleted_at IS NULL
           AND ((k.cell_id <> 0 AND h.cell_id = k.cell_id)
                OR (k.cell_id = 0 AND h.cell_id IS NULL AND h.community_id = k.community_id))
           AND coalesce(h.community_id, 0) = k.community_id) f)
{_UPSERT}"""

REBUILD_SQL = f"""
WITH fig AS (
    SELECT coalesce(h.community_id, 0), coalesce(h.cell_id, 0), {_FIGURES_SQL}
      FROM grids_household h WHERE h.deleted_at IS NULL GROUP BY 1, 2)
{_UPSERT}"""


def pending(connection=None):
    with (connection or default_connection).cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {STALE_TABLE}")
        return cur.fetchone()[0]


def refresh(connection=None):
    """Recompute the stale (community, cell) keys in one statement; returns how many rows were written."""
    with (connection or default_connection).cursor() as cur:
        cur.execute(REFRESH_SQL)
        return cur.rowcount


def rebuild(connection=None):
    """Every key from scratch (after a restore, or to check the triggers)."""
    with (connection or default_connection).cursor() as cur:
        cur.execute(f"DELETE FROM {STALE_TABLE}; DELETE FROM {SUMMARY_TABLE};")
        cur.execute(REBUILD_SQL)


def totals(where, params):
    """Sums of the figures over the summary rows matching `where` (SQL on the summary's columns)."""
    with default_connection.cursor() as cur:
        cur.execute(
            f"SELECT {', '.join(f'coalesce(sum({c}), 0)::int' for c in FIGURES)} FROM {SUMMARY_TABLE} WHERE {where}",
            params,
        )
        return dict(zip(FIGURES, cur.fetchone(), strict=True))
