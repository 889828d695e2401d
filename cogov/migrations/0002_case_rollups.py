"""Roll-ups of the kept case figures for the dashboard's upper levels (cases/summary.py): per (district or street,
category, day, state) and per (month, grid cell), derived from cases_cell_day, filled set-based from it here.

The dashboard (this app) is what reads them for a district or a street; the SQL that keeps them is beside the
per-cell summary it derives from, in cases/summary.py."""

from django.db import migrations

from cases.summary import (
    FIGURES,
    MONTH_TABLE,
    ROLLUP_META,
    ROLLUP_QUEUE,
    UNIT_TABLE,
    hierarchy_trigger_sql,
)

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
assert FIGURES == ("cases", "on_time", "deadlined", "handling", "handled", "deadline_min", "deadline_max")

DROP = (
    f"DROP TABLE IF EXISTS {UNIT_TABLE}; DROP TABLE IF EXISTS {MONTH_TABLE}; DROP TABLE IF EXISTS {ROLLUP_QUEUE};"
    f" DROP TABLE IF EXISTS {ROLLUP_META};"
)


def fill(apps, schema_editor):
    from cases.summary import rebuild_rollups

    rebuild_rollups(schema_editor.connection)


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
