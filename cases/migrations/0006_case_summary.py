"""Case figures per (grid cell, category, day, state), kept by triggers: see cases/summary.py."""

from django.db import migrations

from cases.summary import META_TABLE, QUEUE_TABLE, SUMMARY_TABLE, trigger_sql

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


def fill(apps, schema_editor):
    from cases.summary import rebuild

    rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_caseevent_partitions")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(trigger_sql(), trigger_sql(drop=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
