"""The import pages: upload → preview → map fields → run on the background worker → report."""

import time

import pytest
import shapely
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from grids.models import Building
from grids.tests.factories import make_cells, make_community
from layers.models import ImportJob
from layers.tests import files


def wait_for(job, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.status}")


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("boss", "boss@example.com", "pass-word-123")


def buildings_gpkg(tmp_path, n=3):
    rings = [files.square(50 + 90 * (i % 10), 50 + 60 * (i // 10)) for i in range(n)]
    fields = {"名称": [f"{i + 1}栋" for i in range(n)], "建成年份": [1980 + i % 40 for i in range(n)]}
    return files.write(tmp_path / "楼栋.gpkg", [shapely.Polygon(r) for r in rings], fields, "GPKG", crs="EPSG:4326")


def test_upload_preview_map_and_run_on_the_worker(client, admin, celery_worker, tmp_path):
    make_cells(make_community())
    client.force_login(admin)
    path = buildings_gpkg(tmp_path)
    response = client.post(
        "/layers/imports/",
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), "target": "building", "crs": "", "layer": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get()
    assert job.fields == ["名称", "建成年份"] and job.feature_count == 3
    preview = client.get(f"/layers/imports/{job.pk}/preview/").json()
    assert len(preview["features"]) == 3
    page = client.get(f"/layers/imports/{job.pk}/").content.decode()
    assert 'name="map_name"' in page and "preview-map" in page
    response = client.post(
        f"/layers/imports/{job.pk}/", {"map_name": "名称", "map_year_built": "建成年份", "key_field": "name"}
    )
    assert response.status_code == 302
    job = wait_for(job)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.imported, job.updated, job.skipped) == (3, 0, 0)
    assert sorted(Building.objects.values_list("name", "year_built")) == [("1栋", 1980), ("2栋", 1981), ("3栋", 1982)]
    progress = client.get(f"/layers/imports/{job.pk}/progress/").json()
    assert progress["percent"] == 100 and progress["finished"]
    page = client.get(f"/layers/imports/{job.pk}/").content.decode()
    assert "导入 3 条，更新 0 条，跳过 0 条" in page  # the site speaks Chinese by default


def test_an_oversized_upload_is_refused_before_it_is_read(client, admin, settings, tmp_path):
    settings.LAYERS = {**settings.LAYERS, "MAX_UPLOAD_MB": 1}
    client.force_login(admin)
    big = SimpleUploadedFile("big.geojson", b" " * (2 * 1024 * 1024))
    response = client.post("/layers/imports/", {"file": big, "target": "feature", "overlay_name": "x"})
    assert response.status_code == 413
    assert "1 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_zip_without_shp_is_refused_on_upload(client, admin, tmp_path):
    client.force_login(admin)
    z = files.zip_of(tmp_path, {"roads.dbf": b"x"})
    response = client.post(
        "/layers/imports/",
        {"file": SimpleUploadedFile("roads.zip", z.read_bytes()), "target": "feature", "overlay_name": "道路"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert "holds no .shp file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_imports_need_a_login(client, db):
    response = client.get("/layers/imports/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_browser_upload_shows_the_progress_bar_finish(page, live_server, celery_worker, tmp_path):
    make_cells(make_community())
    User.objects.create_superuser("boss", "boss@example.com", "pass-word-123")
    path = buildings_gpkg(tmp_path, n=120)
    page.goto(f"{live_server.url}/accounts/login/?next=/layers/imports/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "pass-word-123")
    # the login page's own address ends in ?next=…: wait for the answer to the form, then check where it led
    with page.expect_navigation():
        page.click("button[type=submit], input[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/layers/imports/")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=target]", "building")
    page.click(".upload-form button[type=submit]")
    expect(page.locator("path.preview-shape")).to_have_count(120, timeout=30000)
    # The column named like the field's Chinese label is proposed for it.
    assert page.locator("select[name=map_name]").input_value() == "名称"
    page.select_option("select[name=key_field]", "name")
    page.click("#run-import")
    expect(page.locator("#job-counts")).to_be_visible(timeout=120000)  # the job runs on the worker
    expect(page.locator("#job-progress")).to_have_attribute("value", "100")
    job = ImportJob.objects.get()
    assert (job.imported, job.skipped) == (120, 0), [r for r in job.report if r[1] != "imported"][:3]
    assert Building.objects.count() == 120
