"""Green coverage from imagery (layers app) shown in a zone's statistics, computed again when the zone is redrawn."""

import io

import pytest
from django.core.management import call_command
from shapely.geometry import box

from grids.tests.factories import geos, make_community
from layers.tests import rasters
from planning import services
from planning.tests.factories import zone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_green_coverage_of_a_zone_follows_its_boundary(tmp_path, django_capture_on_commit_callbacks):
    make_community()
    path, _transform, _ndvi = rasters.scene(tmp_path / "scene.tif")  # west of x=500 m ~90% green, east ~20%
    args = ["--name", "2024春季影像", "--kind", "multiband", "--red", "1", "--nir", "2", "--acquired", "2024-05-01"]
    call_command("import_raster", str(path), *args, stdout=io.StringIO())
    z = zone(100, 100, 300, 300)
    (row,) = z.stats["imagery"]
    assert row["raster"] == "2024春季影像" and row["acquired"] == "2024-05-01"
    assert row["area_m2"] == pytest.approx(200 * 200, rel=0.01)
    assert 85 < row["share_pct"] < 95
    z.boundary = geos(box(600, 100, 800, 300))
    with django_capture_on_commit_callbacks(execute=True):
        services.save_zone(z)
    (row,) = z.stats["imagery"]
    assert 15 < row["share_pct"] < 25 and row["area_m2"] == pytest.approx(200 * 200, rel=0.01)
