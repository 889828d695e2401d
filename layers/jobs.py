"""Steps of an import job shared by the import pages (layers/views.py) and the import_layer command."""

import shutil
from pathlib import Path

from layers.readers import Source


def inspect(job):
    """Read the file's layers, fields, CRS and size (metadata only, fast whatever the file's size)."""
    source = Source(
        Path(job.file.path), format=job.format, layer=job.source_layer or None, crs_override=job.crs_override
    )
    job.source_layer = source.layer
    job.fields = source.fields
    job.feature_count = source.count
    job.total = source.count
    job.source_crs = source.crs_label
    return source


def discard(job):
    if not job.file:
        return
    path = Path(job.file.path)
    path.unlink(missing_ok=True)
    shutil.rmtree(path.parent / (path.name + ".d"), ignore_errors=True)
