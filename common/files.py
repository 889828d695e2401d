"""Stored files read through their storage, whether it is a folder (FileSystemStorage) or an object store with no
local path (S3-compatible storage through django-storages, GRIDWORK_MEDIA_URL=s3://…).

Code that reads an uploaded file never asks for `FieldFile.path`: it opens the file through the storage
(`field_file.open("rb")`), or, where a library needs a file name (GDAL/OGR, rasterio), takes one from
`local_path()` (the file itself on a folder storage, else a temporary copy removed afterwards) or, for rasters
read in small ranges (tiles, coverage), from `raster_source()` (GDAL's /vsis3/ on S3, so a tile reads only its
blocks).
"""

import contextlib
import posixpath
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

COPY_CHUNK = 1 << 20


def storage_path(storage, name):
    """The local path of a stored file, or None when the storage keeps no files on this machine."""
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


@contextlib.contextmanager
def local_path(field_file):
    """A local file name of the stored file for the duration of the block.

    On a folder storage it is the stored file itself (nothing copied; a reader may put things beside it); on any
    other storage the file is copied into a temporary folder that is removed when the block ends.
    """
    name = field_file.name
    path = storage_path(field_file.storage, name)
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="gridwork-media-") as tmp:
        target = Path(tmp) / Path(name).name
        with field_file.storage.open(name, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, COPY_CHUNK)
        yield target


def is_s3(storage):
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages is in requirements.lock
        return False
    return isinstance(storage, S3Storage)


def vsis3_name(storage, name):
    """GDAL's name of an object of an S3Storage: /vsis3/<bucket>/<location>/<name>."""
    key = posixpath.join(storage.location, name) if storage.location else name
    return f"/vsis3/{storage.bucket_name}/{key.lstrip('/')}"


def gdal_s3_options(storage):
    """GDAL configuration for reading the storage's bucket with /vsis3/ (endpoint, TLS, path-style, region and,
    when the storage names them, credentials; else GDAL reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY itself)."""
    options = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR"}
    if storage.endpoint_url:
        endpoint = urlsplit(storage.endpoint_url)
        options["AWS_S3_ENDPOINT"] = endpoint.netloc
        options["AWS_HTTPS"] = "YES" if endpoint.scheme == "https" else "NO"
    if storage.addressing_style == "path" or (storage.endpoint_url and storage.addressing_style != "virtual"):
        options["AWS_VIRTUAL_HOSTING"] = "FALSE"
    if storage.region_name:
        options["AWS_REGION"] = storage.region_name
    if storage.access_key and storage.secret_key:
        options["AWS_ACCESS_KEY_ID"] = storage.access_key
        options["AWS_SECRET_ACCESS_KEY"] = storage.secret_key
    return options


@contextlib.contextmanager
def raster_source(field_file):
    """A name rasterio/rio-tiler opens for the stored raster, valid for the block: the local file on a folder
    storage; /vsis3/… with GDAL's S3 settings on S3 (a tile or a window reads only its ranges); else a temporary
    local copy."""
    storage = field_file.storage
    path = storage_path(storage, field_file.name)
    if path is not None:
        yield str(path)
    elif is_s3(storage):
        import rasterio

        with rasterio.Env(**gdal_s3_options(storage)):
            yield vsis3_name(storage, field_file.name)
    else:
        with local_path(field_file) as copy:
            yield str(copy)


def delete(field_file):
    """Remove the stored file (whatever the storage), leaving the field's value as it was."""
    if field_file and field_file.name:
        field_file.storage.delete(field_file.name)
