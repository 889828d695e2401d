"""Import a vector file into a target, the same way the import page does.

    manage.py import_layer parcels.zip --target feature --overlay 地块 --crs EPSG:4547 \
        --map key=PARCEL_ID --map name=NAME --key key
"""

import json
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from layers import targets
from layers.importer import MERGE_PIECES, run_import
from layers.jobs import discard, inspect
from layers.models import FeatureLayer, ImportJob
from layers.readers import LayerFileError, handler_for


class Command(BaseCommand):
    help = (
        "Import a Shapefile (zip), GeoPackage, GeoJSON, KML or CSV into grid cells, buildings, households "
        "or an overlay layer."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--target", required=True, choices=[t.name for t in targets.all_targets()])
        parser.add_argument("--overlay", default="", help="overlay layer name (target feature)")
        parser.add_argument("--crs", default="", help="CRS override, e.g. EPSG:4547")
        parser.add_argument("--layer", default="", help="layer in the file (GeoPackage, KML)")
        parser.add_argument("--map", action="append", default=[], help="target_field=file_column (repeatable)")
        parser.add_argument("--key", default="", help="target field to update existing records by")
        parser.add_argument("--report", action="store_true", help="print the row report as JSON lines")
        parser.add_argument(
            "--merge-pieces",
            action="store_true",
            help="rows sharing a --key value are merged into one multi-part geometry (default: only the first is kept)",
        )

    def handle(self, *args, **o):
        path = Path(o["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        target = targets.get(o["target"])
        mapping = {}
        for item in o["map"]:
            field, _, column = item.partition("=")
            if field not in target.fields or not column:
                raise CommandError(f"--map {item}: use one of {', '.join(target.fields)}=<column>")
            mapping[field] = column
        if o["key"] and o["key"] not in mapping:
            raise CommandError(f"--key {o['key']} is not mapped")
        if target.name == "feature" and not o["overlay"]:
            raise CommandError("--overlay is needed for the feature target")
        try:
            handler = handler_for(path)
        except LayerFileError as exc:
            raise CommandError(str(exc))
        job = ImportJob(
            original_name=path.name,
            format=handler.format,
            target=target.name,
            crs_override=o["crs"],
            source_layer=o["layer"],
        )
        with path.open("rb") as f:
            job.file.save(path.name, File(f), save=False)
        try:
            inspect(job)
        except LayerFileError as exc:
            discard(job)
            raise CommandError(str(exc))
        except BaseException:
            discard(job)  # no stored file or unpacked folder is left behind, whatever the error
            raise
        missing = [c for c in mapping.values() if c not in job.fields]
        if missing:
            discard(job)
            raise CommandError(f"The file has no column {', '.join(missing)}; its columns: {', '.join(job.fields)}")
        if target.name == "feature":
            job.overlay = FeatureLayer.objects.get_or_create(name=o["overlay"])[0]
        if o["merge_pieces"]:
            mapping[MERGE_PIECES] = True
        job.mapping, job.key_field, job.status = mapping, o["key"], ImportJob.Status.QUEUED
        job.save()
        self.stdout.write(f"{job.original_name}: {job.feature_count} features, CRS {job.source_crs}")
        run_import(job)
        if o["report"]:
            for row in job.report:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.error)
        self.stdout.write(
            self.style.SUCCESS(f"job {job.pk}: {job.imported} imported, {job.updated} updated, {job.skipped} skipped")
        )
