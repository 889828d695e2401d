"""Import a GeoTIFF as an imagery layer, the same way the imagery page does, converting it in this process.

manage.py import_raster scene.tif --name "2024 卫星影像" --kind multiband --red 3 --nir 4 --acquired 2024-05-01
"""

import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from common import files
from layers import imagery
from layers.models import RasterLayer


class Command(BaseCommand):
    help = "Import a GeoTIFF (any CRS) as an imagery layer: validate, convert to a COG, compute green coverage."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", default="rgb", choices=[k for k, _ in RasterLayer.Kind.choices])
        parser.add_argument("--acquired", default="", help="YYYY-MM-DD")
        for band in ("red", "green", "blue", "nir"):
            parser.add_argument(f"--{band}", type=int, default=None, help=f"{band} band number (1-based)")
        parser.add_argument("--green-classes", default="", help="land-cover classes counted as green, e.g. 1,2")
        parser.add_argument("--replace", action="store_true", help="replace a layer of the same name")

    def handle(self, *args, **o):
        path = Path(o["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            acquired = datetime.date.fromisoformat(o["acquired"]) if o["acquired"] else None
        except ValueError as exc:
            raise CommandError(f"--acquired {o['acquired']}: use YYYY-MM-DD") from exc
        existing = RasterLayer.objects.filter(name=o["name"]).first()
        if existing is not None:
            if not o["replace"]:
                raise CommandError(f"A layer named {o['name']} exists; use --replace")
            delete_layer(existing)
        fields = {
            "kind": o["kind"],
            "acquired": acquired,
            "red_band": o["red"],
            "green_band": o["green"],
            "blue_band": o["blue"],
            "nir_band": o["nir"],
            "green_classes": o["green_classes"],
        }
        with path.open("rb") as fh:
            try:
                layer = imagery.create_layer(File(fh, name=path.name), o["name"], **fields)
            except imagery.RasterError as exc:
                raise CommandError(str(exc)) from exc
            except ValidationError as exc:
                raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        imagery.run_conversion(layer.pk)
        layer.refresh_from_db()
        if layer.status != RasterLayer.Status.DONE:
            raise CommandError(layer.error)
        self.stdout.write(
            f"{layer.name}: {layer.width}×{layer.height}, {layer.band_count} bands, "
            f"{layer.coverage.count()} coverage rows → {layer.cog.name}"
        )


def delete_layer(layer):
    for f in (layer.source, layer.cog):
        files.delete(f)
    layer.delete()
