"""assets_map_bins in PL/pgSQL: the same tiles and bins, each bound computed once (see assets/map_clusters.py)."""

from django.db import migrations

from assets.map_clusters import BINS_FUNCTION


class Migration(migrations.Migration):
    dependencies = [("assets", "0004_map_clusters")]

    # Backwards, the PL/pgSQL function stays: it gives the same tiles and bins as the one it replaced.
    operations = [migrations.RunSQL(BINS_FUNCTION, migrations.RunSQL.noop)]
