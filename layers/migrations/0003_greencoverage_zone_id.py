# The zone of a coverage row becomes a plain id (the imagery engine no longer depends on the planning app).
# The column (zone_id, bigint, indexed) and its rows stay as they are: only the foreign-key constraint goes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0002_rasterlayer_greencoverage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="greencoverage",
                    name="zone",
                    field=models.BigIntegerField(blank=True, null=True, db_index=True, db_column="zone_id"),
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(model_name="greencoverage", name="green_coverage_cell_or_zone"),
                migrations.RemoveConstraint(model_name="greencoverage", name="green_coverage_raster_zone"),
                migrations.RemoveField(model_name="greencoverage", name="zone"),
                migrations.AddField(
                    model_name="greencoverage",
                    name="zone_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="zone"),
                ),
                migrations.AddConstraint(
                    model_name="greencoverage",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("cell__isnull", False), ("zone_id__isnull", True)),
                            models.Q(("cell__isnull", True), ("zone_id__isnull", False)),
                            _connector="OR",
                        ),
                        name="green_coverage_cell_or_zone",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="greencoverage",
                    constraint=models.UniqueConstraint(fields=("raster", "zone_id"), name="green_coverage_raster_zone"),
                ),
            ],
        ),
    ]
