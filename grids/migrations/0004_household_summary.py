"""Household figures per (community, grid cell), kept by triggers (the code that reads and refreshes them:
grids/summary.py).

The SQL is written out here as grids/summary.py had it when this migration was made (commit 77539d7): the tables,
the trigger functions and triggers, and the first fill. A migration does not import the live module, so a later
edit of it never changes what this migration does on a fresh database; a change to the triggers needs a new
migration."""

from django.db import migrations

SUMMARY_TABLE = "grids_household_summary"
STALE_TABLE = "grids_household_stale"
FIGURES = ("households", "resident", "sanitary", "courtyard", "elderly_alone", "residents")
# The columns a figure depends on: an update that changes none of them leaves the summary as it is.
WATCHED = ("community_id", "cell_id", "status", "toilet", "courtyard", "elderly_alone", "residents", "deleted_at")

_KEY = "coalesce({t}.community_id, 0), coalesce({t}.cell_id, 0)"

CREATE = f"""
CREATE TABLE {SUMMARY_TABLE} (
    community_id integer NOT NULL,
    cell_id integer NOT NULL,
    households integer NOT NULL,
    resident integer NOT NULL,
    sanitary integer NOT NULL,
    courtyard integer NOT NULL,
    elderly_alone integer NOT NULL,
    residents integer NOT NULL,
    PRIMARY KEY (community_id, cell_id)
);
CREATE INDEX {SUMMARY_TABLE}_cell ON {SUMMARY_TABLE} (cell_id);
CREATE TABLE {STALE_TABLE} (community_id integer NOT NULL, cell_id integer NOT NULL);
"""

DROP = f"DROP TABLE IF EXISTS {SUMMARY_TABLE}; DROP TABLE IF EXISTS {STALE_TABLE};"


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

REBUILD_SQL = f"""
WITH fig AS (
    SELECT coalesce(h.community_id, 0), coalesce(h.cell_id, 0), {_FIGURES_SQL}
      FROM grids_household h WHERE h.deleted_at IS NULL GROUP BY 1, 2)
{_UPSERT}"""


def fill(apps, schema_editor):
    """Every key from scratch."""
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DELETE FROM {STALE_TABLE}; DELETE FROM {SUMMARY_TABLE};")
        cur.execute(REBUILD_SQL)


class Migration(migrations.Migration):
    dependencies = [("grids", "0003_building_deleted_at_household_deleted_at")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(trigger_sql(), trigger_sql(drop=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
