"""Household figures per (community, grid cell), kept by triggers: see grids/summary.py."""

from django.db import migrations

from grids.summary import STALE_TABLE, SUMMARY_TABLE, trigger_sql

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


def fill(apps, schema_editor):
    from grids.summary import rebuild

    rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("grids", "0003_building_deleted_at_household_deleted_at")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(trigger_sql(), trigger_sql(drop=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
