"""The public facility map's clusters, kept per (zoom, tile, bin, family) by triggers: see assets/map_clusters.py."""

from django.db import migrations

from assets.map_clusters import CLUSTER_TABLE, DROP_FUNCTIONS, FUNCTIONS, MEMBER_TABLE, META_TABLE, trigger_sql

CREATE = f"""
CREATE TABLE {CLUSTER_TABLE} (
    z smallint NOT NULL,
    tx integer NOT NULL,
    ty integer NOT NULL,
    bin_x smallint NOT NULL,
    bin_y smallint NOT NULL,
    family_id bigint NOT NULL,
    n integer NOT NULL,
    n_open integer NOT NULL,
    n_offered integer NOT NULL,
    n_adopted integer NOT NULL,
    sum_id bigint NOT NULL,
    sum_x numeric NOT NULL,
    sum_y numeric NOT NULL,
    PRIMARY KEY (z, tx, ty, bin_x, bin_y, family_id)
);
-- The bins a change has just emptied, found without reading the table.
CREATE INDEX {CLUSTER_TABLE}_empty ON {CLUSTER_TABLE} (z) WHERE n = 0;
CREATE TABLE {MEMBER_TABLE} (
    asset_id bigint PRIMARY KEY,
    family_id bigint NOT NULL,
    x double precision NOT NULL,
    y double precision NOT NULL,
    offered boolean NOT NULL,
    adopted boolean NOT NULL
);
CREATE INDEX {MEMBER_TABLE}_adopted ON {MEMBER_TABLE} (asset_id) WHERE adopted;
CREATE TABLE {META_TABLE} (day date NOT NULL);
"""

DROP = f"DROP TABLE IF EXISTS {CLUSTER_TABLE}; DROP TABLE IF EXISTS {MEMBER_TABLE}; DROP TABLE IF EXISTS {META_TABLE};"


def fill(apps, schema_editor):
    from assets.map_clusters import rebuild

    rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("assets", "0003_cell_summaries")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(trigger_sql(), trigger_sql(drop=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
