"""Imagery: GeoTIFF validation, COG conversion, PNG tiles and green coverage against an independent computation."""

import io
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect
from pyproj import Transformer
from rio_cogeo.cogeo import cog_validate

from grids.tests.factories import ORIGIN, UTM, geos, make_cells, make_community
from layers.models import GreenCoverage, RasterLayer
from layers.tests import rasters


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("boss", "boss@example.com", "pass-word-123")


def stored_files(media):
    return sorted(p.name for p in Path(media).rglob("*") if p.is_file())


def expected_share(cell, transform, ndvi, threshold):
    """Exact per-pixel coverage fractions with shapely: each pixel's square intersected with the cell in UTM."""
    to_utm = Transformer.from_crs(4326, UTM, always_xy=True)
    poly = shapely.transform(
        shapely.from_wkb(bytes(cell.boundary.wkb)), lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1]))
    )
    rows, cols = np.indices(ndvi.shape)
    x0 = transform.c + cols * transform.a
    y0 = transform.f + rows * transform.e
    pixels = shapely.box(x0, y0 + transform.e, x0 + transform.a, y0)
    inside = shapely.area(shapely.intersection(pixels, poly)) / abs(transform.a * transform.e)
    green = ndvi > threshold
    return (inside * green).sum() / inside.sum(), inside.sum() * abs(transform.a * transform.e)


def test_command_converts_to_a_cog_and_green_coverage_matches_numpy(db, tmp_path, media, settings):
    from planning.models import Zone

    cells = make_cells(make_community())
    zone = Zone.objects.create(name="改造片区", boundary=geos(shapely.Polygon([(100, 100), (700, 150), (400, 700)])))
    path, transform, ndvi = rasters.scene(tmp_path / "scene.tif")
    call_command(
        "import_raster",
        str(path),
        "--name",
        "场景",
        "--kind",
        "multiband",
        "--red",
        "1",
        "--nir",
        "2",
        "--acquired",
        "2024-05-01",
        stdout=io.StringIO(),
    )
    layer = RasterLayer.objects.get()
    assert layer.status == RasterLayer.Status.DONE, layer.error
    valid, errors, _warnings = cog_validate(layer.cog.path)
    assert valid, errors
    assert "32650" in layer.crs or "UTM zone 50N" in layer.crs
    assert layer.bounds.contains(ORIGIN.transform(4326, clone=True))
    assert (layer.width, layer.height, layer.band_count) == (560, 440, 2)
    coverage = {c.cell_id: c for c in GreenCoverage.objects.filter(raster=layer, cell__isnull=False)}
    assert set(coverage) == {c.pk for c in cells}
    threshold = settings.LAYERS["NDVI_THRESHOLD"]
    shares = []
    for cell in cells:
        share, area = expected_share(cell, transform, ndvi, threshold)
        row = coverage[cell.pk]
        assert abs(row.share - share) < 0.001, (cell.code, row.share, share)
        assert row.area_m2 == pytest.approx(area, rel=0.002)
        assert row.green_m2 == pytest.approx(share * area, rel=0.003)
        shares.append(share)
    share, area = expected_share(zone, transform, ndvi, threshold)
    row = GreenCoverage.objects.get(raster=layer, zone_id=zone.pk)
    assert abs(row.share - share) < 0.001 and row.area_m2 == pytest.approx(area, rel=0.002)
    # The west cells are mostly green, the east ones mostly not: the test raster is not trivially uniform.
    assert max(shares) > 0.8 and min(shares) < 0.3

    # Redrawn, the zone alone is computed again from the window around it; the cells' rows stay as they were.
    from layers.imagery import compute_coverage

    cell_rows = {c.cell_id: (c.pk, c.share) for c in GreenCoverage.objects.filter(raster=layer, cell__isnull=False)}
    Zone.objects.filter(pk=zone.pk).update(boundary=geos(shapely.Polygon([(50, 50), (300, 60), (120, 400)])))
    zone.refresh_from_db()
    compute_coverage(layer, targets=[("zone", Zone.objects.filter(pk=zone.pk))])
    share, area = expected_share(zone, transform, ndvi, threshold)
    row = GreenCoverage.objects.get(raster=layer, zone_id=zone.pk)
    assert abs(row.share - share) < 0.001 and row.area_m2 == pytest.approx(area, rel=0.002)
    assert {c.cell_id: (c.pk, c.share) for c in GreenCoverage.objects.filter(raster=layer, cell__isnull=False)} == (
        cell_rows
    )


def test_ndvi_threshold_is_a_setting(db, tmp_path, settings):
    cells = make_cells(make_community(), cols=1, rows=1)
    path, transform, ndvi = rasters.scene(tmp_path / "scene.tif")
    settings.LAYERS = {**settings.LAYERS, "NDVI_THRESHOLD": 0.6}
    call_command(
        "import_raster",
        str(path),
        "--name",
        "s",
        "--kind",
        "multiband",
        "--red",
        "1",
        "--nir",
        "2",
        stdout=io.StringIO(),
    )
    share, _area = expected_share(cells[0], transform, ndvi, 0.6)
    assert abs(GreenCoverage.objects.get().share - share) < 0.001


def test_tile_is_a_png_with_the_image_pixels(client, admin, tmp_path):
    path, (z, x, y) = rasters.rgb_tile(tmp_path / "rgb.tif")
    call_command("import_raster", str(path), "--name", "rgb", stdout=io.StringIO())
    layer = RasterLayer.objects.get()
    client.force_login(admin)
    url = f"/layers/raster/{layer.pk}/tiles/{z}/{x}/{y}.png"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "max-age" in response["Cache-Control"] and response["ETag"]
    img = Image.open(io.BytesIO(response.content)).convert("RGBA")
    assert img.size == (256, 256)
    assert img.getpixel((100, 50)) == (100, 50, 200, 255)
    assert img.getpixel((7, 230)) == (7, 230, 200, 255)
    swapped = Image.open(io.BytesIO(client.get(url + "?bands=3,2,1").content)).convert("RGB")
    assert swapped.getpixel((100, 50)) == (200, 50, 100)
    stretched = Image.open(io.BytesIO(client.get(url + "?bands=1&rescale=0,127").content)).convert("L")
    assert stretched.getpixel((50, 10)) == 100 and stretched.getpixel((200, 10)) == 255
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(f"/layers/raster/{layer.pk}/tiles/{z}/{x + 3}/{y}.png").status_code == 204
    assert client.get(url + "?bands=1,9").status_code == 400


def test_ndvi_raster_tiles_use_a_colormap(client, admin, tmp_path):
    import rasterio

    path, (z, x, y) = rasters.rgb_tile(tmp_path / "rgb.tif")
    with rasterio.open(path) as src:
        profile = src.profile | {"count": 1, "dtype": "float32"}
        ndvi = (src.read(1).astype("float32") / 255.0) * 2 - 1
    with rasterio.open(tmp_path / "ndvi.tif", "w", **profile) as dst:
        dst.write(ndvi, 1)
    call_command("import_raster", str(tmp_path / "ndvi.tif"), "--name", "ndvi", "--kind", "ndvi", stdout=io.StringIO())
    client.force_login(admin)
    layer = RasterLayer.objects.get()
    img = Image.open(io.BytesIO(client.get(f"/layers/raster/{layer.pk}/tiles/{z}/{x}/{y}.png").content)).convert("RGB")
    low, high = img.getpixel((5, 100)), img.getpixel((250, 100))
    assert low[0] > low[1] and high[1] > high[0]  # red for bare ground, green for vegetation


def test_uploading_needs_the_permission(client, db, tmp_path):
    assert "/accounts/login/" in client.get("/layers/raster/")["Location"]
    client.force_login(User.objects.create_user("clerk", password="pass-word-123"))
    page = client.get("/layers/raster/")
    assert page.status_code == 200 and 'id="raster-upload"' not in page.content.decode()
    path, _t, _n = rasters.scene(tmp_path / "s.tif", width=16, height=16)
    response = client.post("/layers/raster/", {"file": SimpleUploadedFile("s.tif", path.read_bytes()), "name": "s"})
    assert response.status_code == 403 and not RasterLayer.objects.exists()


def truncated(tmp_path):
    """A real GeoTIFF cut in the middle of its pixel data (the header and directory still read)."""
    path, _t, _n = rasters.scene(tmp_path / "good.tif", width=300, height=300)
    data = path.read_bytes()
    return data[: len(data) // 2]


def corrupt(tmp_path):
    path, _t, _n = rasters.scene(tmp_path / "good.tif", width=64, height=64)
    data = path.read_bytes()
    return data[:600] + b"\x00" * 200


def no_crs(tmp_path):
    import rasterio

    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=1, dtype="uint8") as dst:
        dst.write(np.zeros((1, 8, 8), "uint8"))
    return path.read_bytes()


@pytest.mark.parametrize(
    "make,message",
    [
        (corrupt, "cannot be read as a GeoTIFF"),
        (truncated, "cannot be read as a GeoTIFF"),
        (no_crs, "no coordinate reference system"),
        (lambda tmp_path: b"just text", "cannot be read as a GeoTIFF"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_kept(client, admin, tmp_path, media, make, message):
    client.force_login(admin)
    response = client.post(
        "/layers/raster/",
        {"file": SimpleUploadedFile("bad.tif", make(tmp_path)), "name": "bad", "kind": "rgb"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RasterLayer.objects.exists()
    assert stored_files(media) == []


def test_oversized_upload_is_refused_before_reading(client, admin, settings, media):
    settings.LAYERS = {**settings.LAYERS, "MAX_UPLOAD_MB": 1}
    client.force_login(admin)
    response = client.post(
        "/layers/raster/",
        {"file": SimpleUploadedFile("big.tif", b"\x00" * (2 * 1024 * 1024)), "name": "big", "kind": "rgb"},
    )
    assert response.status_code == 413 and "larger than 1 MB" in response.content.decode()
    assert not RasterLayer.objects.exists() and stored_files(media) == []


def test_too_many_pixels_and_wrong_band_roles(client, admin, settings, tmp_path, media):
    client.force_login(admin)
    path, _t, _n = rasters.scene(tmp_path / "s.tif", width=64, height=64)
    settings.LAYERS = {**settings.LAYERS, "MAX_RASTER_PIXELS": 1000}
    response = client.post(
        "/layers/raster/", {"file": SimpleUploadedFile("s.tif", path.read_bytes()), "name": "s", "kind": "multiband"}
    )
    assert response.status_code == 400 and "4096 pixels" in response.content.decode()
    settings.LAYERS = {**settings.LAYERS, "MAX_RASTER_PIXELS": 10**8}
    response = client.post(
        "/layers/raster/",
        {
            "file": SimpleUploadedFile("s.tif", path.read_bytes()),
            "name": "s",
            "kind": "multiband",
            "red_band": 1,
            "nir_band": 4,
        },
    )
    assert response.status_code == 400 and "bands 1 to 2" in response.content.decode()
    assert not RasterLayer.objects.exists() and stored_files(media) == []


def test_upload_runs_on_the_worker_and_the_page_shows_coverage(client, admin, celery_worker, tmp_path):
    cells = make_cells(make_community())
    client.force_login(admin)
    path, _t, _n = rasters.scene(tmp_path / "scene.tif")
    response = client.post(
        "/layers/raster/",
        {
            "file": SimpleUploadedFile("scene.tif", path.read_bytes()),
            "name": "航拍",
            "kind": "multiband",
            "red_band": 1,
            "nir_band": 2,
            "acquired": "2024-05-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    layer = RasterLayer.objects.get()
    deadline = time.monotonic() + 60
    while not layer.finished and time.monotonic() < deadline:
        time.sleep(0.2)
        layer.refresh_from_db()
    assert layer.status == RasterLayer.Status.DONE, layer.error
    assert client.get(f"/layers/raster/{layer.pk}/progress/").json()["percent"] == 100
    page = client.get(f"/layers/raster/{layer.pk}/").content.decode()
    assert "raster-map" in page and "/tiles/{z}/{x}/{y}.png" in page
    coverage = client.get(f"/layers/raster/{layer.pk}/coverage/").json()
    assert sorted(f["properties"]["label"] for f in coverage["features"]) == sorted(c.code for c in cells)


def login(page, live_server, next_url):
    User.objects.create_superuser("boss", "boss@example.com", "pass-word-123")
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "pass-word-123")
    # the login page's own address ends in ?next=…: wait for the answer to the form, then check where it led
    with page.expect_navigation():
        page.click("button[type=submit], input[type=submit]")
    expect(page).to_have_url(f"{live_server.url}{next_url}")


def test_browser_upload_converts_and_shows_tiles_and_coverage(page, live_server, celery_worker, tmp_path):
    make_cells(make_community())
    path, _t, _n = rasters.scene(tmp_path / "scene.tif")
    login(page, live_server, "/layers/raster/")
    page.set_input_files("input[name=file]", str(path))
    page.fill("input[name=name]", "航拍 2024")
    page.select_option("select[name=kind]", "multiband")
    page.fill("input[name=red_band]", "1")
    page.fill("input[name=nir_band]", "2")
    page.click("#raster-upload button[type=submit]")
    page.wait_for_selector("#raster-map .leaflet-tile-loaded", timeout=60000)
    expect(page.locator("path.coverage-cell")).to_have_count(4, timeout=30000)
    expect(page.locator("#coverage-table .coverage-row")).to_have_count(4)
    page.screenshot(path=str(tmp_path / "raster.png"))


def test_browser_swipe_clips_the_before_layer(page, live_server, tmp_path):
    path, (z, x, y) = rasters.rgb_tile(tmp_path / "rgb.tif")
    for name in ("改造前", "改造后"):
        call_command("import_raster", str(path), "--name", name, stdout=io.StringIO())
    before, after = RasterLayer.objects.get(name="改造前"), RasterLayer.objects.get(name="改造后")
    login(page, live_server, "/layers/raster/")
    page.check(f"input[name=before][value='{before.pk}']")
    page.check(f"input[name=after][value='{after.pk}']")
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector(".before-tiles .leaflet-tile-loaded, .before-tiles.leaflet-layer img", state="attached")
    box = page.locator("#compare-map").bounding_box()
    divider = page.locator("#swipe-divider").bounding_box()
    assert abs(divider["x"] + divider["width"] / 2 - (box["x"] + box["width"] / 2)) < 3
    page.mouse.move(divider["x"] + 3, divider["y"] + 50)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.25, divider["y"] + 50, steps=5)
    page.mouse.up()
    clip = page.evaluate("() => document.querySelector('.leaflet-before-pane').style.clip")
    right = float(clip.split(",")[1].strip().removesuffix("px"))
    left = float(clip.split(",")[3].strip().removesuffix("px)"))
    assert abs((right - left) - box["width"] * 0.25) < 3
    page.screenshot(path=str(tmp_path / "compare.png"))
