"""Steps of an import job shared by the import pages (layers/views.py) and the import_layer command."""

import shutil

from common import files
from common.files import local_path, storage_path
from layers.readers import Source


def inspect(job):
    """Read the file's layers, fields, CRS and size (metadata only, fast whatever the file's size)."""
    with local_path(job.file) as path:
        source = Source(path, format=job.format, layer=job.source_layer or None, crs_override=job.crs_override)
    job.source_layer = source.layer
    job.fields = source.fields
    job.feature_count = source.count
    job.total = source.count
    job.source_crs = source.crs_label
    return source


def discard(job):
    if not job.file:
        return
    path = storage_path(job.file.storage, job.file.name)
    if path is not None:
        shutil.rmtree(path.parent / (path.name + ".d"), ignore_errors=True)
    files.delete(job.file)
