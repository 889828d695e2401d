"""Imports of real data: geometries with hundreds of thousands of vertices, shapes across the antimeridian, a
chosen CRS that cannot be the file's, the same key on several rows, and a report read in the reader's language
with one summary line per reason."""

import math

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command
from pyproj import Geod, Transformer

from grids.models import Building
from grids.tests.factories import make_cells, make_community
from layers import notes
from layers.models import Feature, ImportJob
from layers.tests import files

pytestmark = pytest.mark.django_db
GEOD = Geod(ellps="WGS84")


@pytest.fixture
def community():
    c = make_community()
    make_cells(c)
    return c


def circle(x, y, radius_m, n):
    """A polygon of n vertices in lon/lat around (x, y) metres of the test origin (a wavy boundary)."""
    centre = files.lonlat(x, y)
    angles = np.linspace(0, 2 * math.pi, n, endpoint=False)
    r = radius_m * (1 + 0.02 * np.sin(angles * 50))
    lon = centre[0] + r * np.cos(angles) / (111_320 * math.cos(math.radians(centre[1])))
    lat = centre[1] + r * np.sin(angles) / 110_540
    return shapely.Polygon(np.column_stack([lon, lat]))


def test_a_boundary_of_300000_vertices_is_imported_and_the_limit_is_named(community, tmp_path, settings):
    big = circle(500, 400, 300, 300_000)
    path = files.write(tmp_path / "boundary.gpkg", [big], {"NAME": ["大边界"]}, "GPKG")
    call_command("import_layer", str(path), target="feature", overlay="边界", map=["name=NAME"])
    feature = Feature.objects.get(name="大边界")
    assert feature.geom.num_coords == 300_001
    settings.GRIDWORK = {**settings.GRIDWORK, "MAX_VERTICES": 1000}
    small = files.write(tmp_path / "b2.gpkg", [circle(500, 400, 50, 2000)], {"NAME": ["二"]}, "GPKG")
    call_command("import_layer", str(small), target="feature", overlay="边界", map=["name=NAME"])
    job = ImportJob.objects.order_by("-pk").first()
    [(_row, status, _pk, note)] = job.report
    assert status == "skipped" and "2001" in notes.text(note) and "GRIDWORK_MAX_VERTICES" in notes.text(note)


def test_a_square_across_the_antimeridian_in_epsg_3460_is_split_at_180(db, tmp_path):
    to_fiji = Transformer.from_crs(4326, 3460, always_xy=True)
    cx, cy = to_fiji.transform(180, -17)
    square = shapely.box(cx - 5000, cy - 5000, cx + 5000, cy + 5000).segmentize(500)
    path = files.write(tmp_path / "fiji.gpkg", [square], {"NAME": ["跨180度"]}, "GPKG", crs="EPSG:3460")
    call_command("import_layer", str(path), target="feature", overlay="斐济", map=["name=NAME"])
    feature = Feature.objects.get(name="跨180度")
    assert feature.geom.geom_type == "MultiPolygon" and len(feature.geom) == 2
    west, east = sorted(feature.geom, key=lambda p: p.extent[0])
    assert west.extent[0] == pytest.approx(-180) and east.extent[2] == pytest.approx(180)
    assert west.extent[2] < -179.9 and east.extent[0] > 179.9  # each part a few km wide, none spanning the world
    area = sum(abs(GEOD.geometry_area_perimeter(shapely.from_wkt(p.wkt))[0]) for p in feature.geom)
    assert area == pytest.approx(1e8, rel=0.02)  # 10 km × 10 km
    job = ImportJob.objects.get()
    assert "antimeridian" in notes.text(job.report[0][3])


def test_a_chosen_crs_whose_area_of_use_does_not_hold_the_data_is_refused(db, tmp_path):
    # Building corners in New York, written in NAD83 / New York Long Island (US feet) without a .prj.
    to_ny = Transformer.from_crs(4326, 2263, always_xy=True)
    x, y = to_ny.transform(-73.97, 40.78)
    ring = shapely.box(x, y, x + 60, y + 60)
    path = files.shapefile_zip(tmp_path, [ring], {"NAME": ["NY"]}, "EPSG:2263", with_prj=False)
    with pytest.raises(CommandError) as refused:
        call_command("import_layer", str(path), target="feature", overlay="纽约", map=["name=NAME"], crs="EPSG:4547")
    message = str(refused.value)
    assert "CGCS2000 / 3-degree Gauss-Kruger CM 114E" in message
    assert "112.500, 21.520 – 115.500, 45.450" in message  # the CRS's area of use
    assert not Feature.objects.exists()
    call_command("import_layer", str(path), target="feature", overlay="纽约", map=["name=NAME"], crs="EPSG:2263")
    lon, lat = Feature.objects.get(name="NY").geom.centroid.coords
    assert -74 < lon < -73.9 and 40.7 < lat < 40.9


def test_the_same_key_on_several_rows_is_reported_or_merged(community, tmp_path):
    west = shapely.Polygon(files.square(100, 100, 10))
    east = shapely.Polygon(files.square(110, 100, 10))  # the other half of one building, clipped at a sheet edge
    other = shapely.Polygon(files.square(300, 300))
    fields = {"NAME": ["1号楼", "1号楼", "2号楼"]}
    path = files.write(tmp_path / "pieces.gpkg", [west, east, other], fields, "GPKG")
    call_command("import_layer", str(path), target="building", map=["name=NAME"], key="name")
    job = ImportJob.objects.get()
    report = {row: (status, notes.text(note)) for row, status, _pk, note in job.report}
    assert report[1][0] == "imported" and report[3][0] == "imported"
    assert report[2][0] == "skipped" and "row 1" in report[2][1] and "1号楼" in report[2][1]
    assert Building.objects.count() == 2
    call_command("import_layer", str(path), target="building", map=["name=NAME"], key="name", merge_pieces=True)
    job = ImportJob.objects.order_by("-pk").first()
    report = {row: (status, notes.text(note)) for row, status, _pk, note in job.report}
    assert report[1][0] == "updated" and "2" in report[1][1] and report[2][0] == "skipped"
    merged = Building.objects.get(name="1号楼").footprint
    whole = shapely.union_all([west, east])
    assert whole.geom_type == "Polygon"  # the two halves share their cut edge
    assert merged.geom_type == "Polygon" and abs(merged.area - whole.area) / whole.area < 1e-6


def test_the_report_speaks_the_readers_language_with_one_line_per_reason(community, tmp_path, admin_client):
    far = [shapely.Polygon(files.square(9000 + 30 * i, 9000)) for i in range(40)]
    path = files.write(tmp_path / "far.gpkg", far, {"NAME": [f"{i}号" for i in range(40)]}, "GPKG")
    call_command("import_layer", str(path), target="building", map=["name=NAME"])
    job = ImportJob.objects.get()
    assert job.skipped == 40
    page = admin_client.get(f"/layers/imports/{job.pk}/", headers={"accept-language": "en"}).content.decode()
    summary = page.split('id="job-summary"')[1].split("</ul>")[0]
    assert summary.count("<li>") == 1 and "40 rows:" in summary and "1, 2, 3, 4, 5" in summary
    empty = files.geojson(tmp_path, [{"type": "Feature", "geometry": None, "properties": {"NAME": "空"}}])
    call_command("import_layer", str(empty), target="feature", overlay="空", map=["name=NAME"])
    job = ImportJob.objects.order_by("-pk").first()
    english = admin_client.get(f"/layers/imports/{job.pk}/", headers={"accept-language": "en"}).content.decode()
    chinese = admin_client.get(f"/layers/imports/{job.pk}/", headers={"accept-language": "zh-hans"}).content.decode()
    assert "row has no geometry" in english and "row has no geometry" not in chinese
    assert notes.text(notes.note("no_geometry")) in chinese  # the test runs in the default language, Chinese


def test_the_models_own_messages_are_read_in_the_readers_language(community, tmp_path, admin_client):
    """A Chinese importer's report read by an English reader: the messages of Building.clean() (a year out of
    range) and of a field's conversion (storeys that are no number) are in English for them, Chinese for others."""
    from django.utils import translation

    rows = [shapely.Polygon(files.square(100 + 30 * i, 100)) for i in range(3)]
    fields = {"NAME": ["一号", "二号", "三号"], "YEAR": ["1500", "1600", "1990"], "STOREYS": ["3", "4", "五"]}
    path = files.write(tmp_path / "years.gpkg", rows, fields, "GPKG")
    with translation.override("zh-hans"):
        call_command(
            "import_layer", str(path), target="building", map=["name=NAME", "year_built=YEAR", "storeys=STOREYS"]
        )
    job = ImportJob.objects.get()
    assert job.skipped == 3
    english = admin_client.get(f"/layers/imports/{job.pk}/", headers={"accept-language": "en"}).content.decode()
    chinese = admin_client.get(f"/layers/imports/{job.pk}/", headers={"accept-language": "zh-hans"}).content.decode()
    assert english.count("Enter a year between 1800 and the next few years.") >= 2  # the rows and the summary
    assert "请输入 1800 年至近几年之间的年份" not in english and "请输入 1800 年至近几年之间的年份" in chinese
    assert "value must be an integer" in english and "value must be an integer" not in chinese
    summary = english.split('id="job-summary"')[1].split("</ul>")[0]
    assert "2 rows: year_built: Enter a year between" in summary and "1 row: storeys:" in summary
