"""Kept sanitation distances, reach and green pieces per grid cell, and the triggers that queue changes: see
assets/summary.py."""

from django.db import migrations

from assets.summary import (
    ASSET_QUEUE,
    CELL_QUEUE,
    DISTANCE_TABLE,
    HOUSEHOLD_QUEUE,
    PIECE_TABLE,
    REACH_TABLE,
    STANDARD_RADII,
    trigger_sql,
)

CREATE = f"""
CREATE TABLE {DISTANCE_TABLE} (
    household_id integer NOT NULL,
    type_id integer NOT NULL,
    distance_m double precision,
    PRIMARY KEY (household_id, type_id)
);
CREATE TABLE {REACH_TABLE} (
    cell_id integer PRIMARY KEY,
    households integer NOT NULL,
    {", ".join(f"within_{r} integer NOT NULL" for r in STANDARD_RADII)}
);
CREATE TABLE {PIECE_TABLE} (
    cell_id integer NOT NULL,
    asset_id integer NOT NULL,
    area_m2 double precision NOT NULL,
    PRIMARY KEY (cell_id, asset_id)
);
CREATE TABLE {HOUSEHOLD_QUEUE} (household_id integer NOT NULL);
CREATE TABLE {CELL_QUEUE} (cell_id integer NOT NULL);
CREATE TABLE {ASSET_QUEUE} (type_id integer NOT NULL, anchor geometry(Point, 4326), geom geometry(Geometry, 4326));
"""
DROP = "".join(
    f"DROP TABLE IF EXISTS {t};"
    for t in (DISTANCE_TABLE, REACH_TABLE, PIECE_TABLE, HOUSEHOLD_QUEUE, CELL_QUEUE, ASSET_QUEUE)
)


def fill(apps, schema_editor):
    from assets.summary import rebuild

    rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0002_asset_type_search_terms"),
        ("grids", "0004_household_summary"),
    ]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(trigger_sql(), trigger_sql(drop=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
