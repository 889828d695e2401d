"""Media on a storage with no local path (what an S3-compatible object store is to the app): vector imports, imagery
(COG conversion, tiles, green coverage) and case photos go through the storage, never through `FieldFile.path`.

The storage below is Django's FileSystemStorage refusing `path()`, as django-storages' S3Storage does; no S3
server runs on this machine, so the S3 settings are checked as far as building the storage and GDAL's /vsis3/
name and options for it (no request is sent).
"""

import io

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.core.management import CommandError, call_command
from django.test import override_settings
from PIL import Image

from common import files
from grids.models import Building
from grids.tests.factories import make_cells, make_community
from gridwork.settings.media import MediaURLError
from gridwork.settings.media import default_storage as storage_for_url
from layers.models import GreenCoverage, ImportJob, RasterLayer
from layers.tests import files as layer_files
from layers.tests import rasters


class NoPathStorage(Storage):
    """Files kept where this process cannot open them by name: `path()` is Storage's own NotImplementedError, as
    for django-storages' S3Storage; everything else is done by a FileSystemStorage kept out of reach."""

    def __init__(self, location):
        self._files = FileSystemStorage(location=location)

    def _open(self, name, mode="rb"):
        return self._files._open(name, mode)

    def _save(self, name, content):
        return self._files._save(name, content)

    def delete(self, name):
        self._files.delete(name)

    def exists(self, name):
        return self._files.exists(name)

    def size(self, name):
        return self._files.size(name)

    def listdir(self, path):
        return self._files.listdir(path)

    def url(self, name):
        return self._files.url(name)


@pytest.fixture
def remote_media(tmp_path):
    root = tmp_path / "bucket"
    storages = {
        "default": {"BACKEND": f"{__name__}.NoPathStorage", "OPTIONS": {"location": str(root)}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, MEDIA_ROOT=str(tmp_path / "not-used")):
        with pytest.raises(NotImplementedError):
            default_storage.path("x")
        yield root
    assert not (tmp_path / "not-used").exists()  # nothing was written beside the storage


def stored(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_shapefile_import_reads_the_stored_file_through_the_storage(db, tmp_path, remote_media):
    community = make_community()
    make_cells(community)
    geoms = [layer_files.polygon_in(r, 4547) for r in (layer_files.square(100, 100), layer_files.square(300, 200))]
    path = layer_files.shapefile_zip(tmp_path, geoms, {"NAME": ["1号楼", "2号楼"], "YEAR": [1988, 1995]}, "EPSG:4547")
    call_command("import_layer", str(path), target="building", map=["name=NAME", "year_built=YEAR"], key="name")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.imported, job.skipped) == (2, 0)
    assert Building.objects.get(name="2号楼").year_built == 1995
    # The upload is kept in the storage; the archive was unpacked next to a temporary copy, not into the storage.
    assert stored(remote_media) == [job.file.name]


def test_a_refused_import_leaves_nothing_in_the_storage(db, tmp_path, remote_media):
    make_community()
    bad = tmp_path / "broken.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(CommandError, match="Unterminated array"):
        call_command("import_layer", str(bad), target="feature", overlay="x")
    assert stored(remote_media) == []


def test_imagery_converts_tiles_and_measures_coverage_through_the_storage(db, client, tmp_path, remote_media):
    cells = make_cells(make_community(), cols=2, rows=1)
    path, _transform, _ndvi = rasters.scene(tmp_path / "scene.tif")
    call_command(
        "import_raster", str(path), "--name", "场景", "--kind", "multiband", "--red", "1", "--nir", "2",
        stdout=io.StringIO(),
    )  # fmt: skip
    layer = RasterLayer.objects.get()
    assert layer.status == RasterLayer.Status.DONE, layer.error
    assert set(stored(remote_media)) == {layer.source.name, layer.cog.name}
    assert layer.cog.name == f"rasters/cog/{layer.pk}.tif"
    rows = GreenCoverage.objects.filter(raster=layer, cell__isnull=False)
    assert {r.cell_id for r in rows} == {c.pk for c in cells}
    assert all(0 <= r.share <= 1 and r.area_m2 > 0 for r in rows)

    # A PNG tile of the stored COG, read through the storage.
    rgb, (z, x, y) = rasters.rgb_tile(tmp_path / "rgb.tif")
    call_command("import_raster", str(rgb), "--name", "rgb", stdout=io.StringIO())
    tiles = RasterLayer.objects.get(name="rgb")
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pass-word-123"))
    response = client.get(f"/layers/raster/{tiles.pk}/tiles/{z}/{x}/{y}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    img = Image.open(io.BytesIO(response.content)).convert("RGBA")
    assert img.getpixel((100, 50)) == (100, 50, 200, 255)

    # Removing a layer removes its files from the storage.
    from layers.management.commands.import_raster import delete_layer

    delete_layer(tiles)
    assert set(stored(remote_media)) == {layer.source.name, layer.cog.name}


def test_case_photos_are_stored_and_served_through_the_storage(db, client, django_user_model, remote_media):
    from cases.photos import process_pending
    from cases.tests.factories import jpeg, place, report

    place(django_user_model)
    case = report(photos=[jpeg(size=(800, 600))])
    assert stored(remote_media) == []  # the raw photo waits in the database for the worker
    process_pending(older_than_s=0)  # the worker's re-encoding writes through the storage
    photo = case.photos.get()
    assert stored(remote_media) == [photo.image.name]
    assert (photo.width, photo.height) == (800, 600)
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pass-word-123"))
    response = client.get(f"/cases/photo/{photo.pk}/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == (remote_media / photo.image.name).read_bytes()
    with Image.open(io.BytesIO(body)) as img:
        assert img.format == "JPEG" and img.size == (800, 600)


def test_local_path_is_the_file_itself_on_a_folder_storage(db, tmp_path):
    storage = FileSystemStorage(location=str(tmp_path))
    name = storage.save("a.txt", io.BytesIO(b"abc"))
    job = ImportJob(file=name)
    job.file.storage = storage
    with files.local_path(job.file) as path:
        assert path == tmp_path / "a.txt"
    assert (tmp_path / "a.txt").exists()
    job.file.storage = NoPathStorage(location=str(tmp_path))
    with files.local_path(job.file) as path:
        assert path != tmp_path / "a.txt" and path.read_bytes() == b"abc"
    assert not path.exists()  # the temporary copy is gone after the block


def test_media_url_names_an_s3_store_read_by_gdal_through_vsis3():
    from django.core.files.storage import storages
    from storages.backends.s3 import S3Storage

    assert storage_for_url("") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    config = storage_for_url("s3://gridwork-media/city/media?endpoint=http://minio:9000&region=cn-north-1")
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    storage = storages.create_storage(config)
    assert isinstance(storage, S3Storage)
    assert (storage.bucket_name, storage.location, storage.file_overwrite) == ("gridwork-media", "city/media", False)
    assert files.vsis3_name(storage, "rasters/cog/7.tif") == "/vsis3/gridwork-media/city/media/rasters/cog/7.tif"
    options = files.gdal_s3_options(storage)
    assert options["AWS_S3_ENDPOINT"] == "minio:9000" and options["AWS_HTTPS"] == "NO"
    assert options["AWS_VIRTUAL_HOSTING"] == "FALSE" and options["AWS_REGION"] == "cn-north-1"
    assert files.storage_path(storage, "x.tif") is None
    for bad in ("http://example.com/media", "s3:///prefix", "s3://b/p?endpont=http://x", "s3://b?addressing=odd"):
        with pytest.raises(MediaURLError):
            storage_for_url(bad)
