"""The extent of the public facilities from two indexes on the kept members (assets.map_tiles.public_extent)."""

from django.db import migrations

from assets.map_clusters import MEMBER_TABLE


class Migration(migrations.Migration):
    dependencies = [("assets", "0005_map_bins_plpgsql")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {MEMBER_TABLE}_x ON {MEMBER_TABLE} (x); CREATE INDEX {MEMBER_TABLE}_y ON {MEMBER_TABLE} (y);",
            f"DROP INDEX IF EXISTS {MEMBER_TABLE}_x; DROP INDEX IF EXISTS {MEMBER_TABLE}_y;",
        )
    ]
