"""The extent of the public facilities from two indexes on the kept members (assets.map_tiles.public_extent).

Written out here as it was when this migration was made (commit 86c9b3c): a migration does not import the live
modules."""

from django.db import migrations

MEMBER_TABLE = "assets_map_member"


class Migration(migrations.Migration):
    dependencies = [("assets", "0005_map_bins_plpgsql")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {MEMBER_TABLE}_x ON {MEMBER_TABLE} (x);"
            f" CREATE INDEX {MEMBER_TABLE}_y ON {MEMBER_TABLE} (y);",
            f"DROP INDEX IF EXISTS {MEMBER_TABLE}_x; DROP INDEX IF EXISTS {MEMBER_TABLE}_y;",
        )
    ]
