"""Importing files in any format and CRS: reprojection, field mapping, re-import by key, row report, bad input."""

import pytest
import shapely
from django.core.management import CommandError, call_command
from pyproj import Geod

from grids.models import Building
from grids.tests.factories import make_cells, make_community
from layers import notes
from layers.models import Feature, FeatureLayer, ImportJob
from layers.tests import files

pytestmark = pytest.mark.django_db
GEOD = Geod(ellps="WGS84")


def metres_between(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.fixture
def community():
    c = make_community()
    make_cells(c)
    return c


def test_shapefile_in_gauss_kruger_zone_lands_within_half_a_metre(community, tmp_path):
    rings = [files.square(100, 100), files.square(300, 200)]
    geoms = [files.polygon_in(r, 4547) for r in rings]
    path = files.shapefile_zip(tmp_path, geoms, {"NAME": ["1号楼", "2号楼"], "YEAR": [1988, 1995]}, "EPSG:4547")
    call_command("import_layer", str(path), target="building", map=["name=NAME", "year_built=YEAR"], key="name")
    b = Building.objects.get(name="1号楼")
    assert b.year_built == 1988
    known = rings[0][0]
    nearest = min(metres_between(known, xy) for xy in b.footprint.coords[0])
    assert nearest < 0.5
    assert Building.objects.get(name="2号楼").cell is not None  # assigned to its grid cell like any saved building


def test_crs_override_reads_a_file_without_prj(community, tmp_path):
    ring = files.square(150, 150)
    path = files.shapefile_zip(
        tmp_path, [files.polygon_in(ring, 4547)], {"NAME": ["无投影"]}, "EPSG:4547", with_prj=False
    )
    with pytest.raises(CommandError, match="CRS"):
        call_command("import_layer", str(path), target="building", map=["name=NAME"])
    assert not Building.objects.exists()
    call_command("import_layer", str(path), target="building", map=["name=NAME"], crs="EPSG:4547")
    b = Building.objects.get(name="无投影")
    assert min(metres_between(ring[0], xy) for xy in b.footprint.coords[0]) < 0.5


def test_reimport_updates_by_key_instead_of_duplicating(community, tmp_path):
    rings = [files.square(100, 100), files.square(300, 200)]
    fields = {"NAME": ["1号楼", "2号楼"], "YEAR": [1988, 1995]}
    gpkg = files.write(tmp_path / "a.gpkg", [shapely.Polygon(r) for r in rings], fields, "GPKG")
    call_command("import_layer", str(gpkg), target="building", map=["name=NAME", "year_built=YEAR"], key="name")
    fields["YEAR"] = [1990, 1995]
    gpkg2 = files.write(tmp_path / "b.gpkg", [shapely.Polygon(r) for r in rings], fields, "GPKG")
    call_command("import_layer", str(gpkg2), target="building", map=["name=NAME", "year_built=YEAR"], key="name")
    assert Building.objects.count() == 2
    assert Building.objects.get(name="1号楼").year_built == 1990
    job = ImportJob.objects.order_by("-pk").first()
    assert (job.imported, job.updated, job.skipped) == (0, 2, 0)


def test_row_report_repairs_safe_geometries_and_rejects_the_rest_with_row_numbers(community, tmp_path):
    good = shapely.Polygon(files.square(100, 100))
    a, b, c, d = files.lonlat(200, 200), files.lonlat(240, 200), files.lonlat(240, 240), files.lonlat(200, 240)
    bowtie = shapely.Polygon([a, c, b, d, a])  # crosses itself: a repair would split it in two
    m = files.lonlat(220, 300)
    spike = shapely.Polygon(
        [files.lonlat(200, 300), m, files.lonlat(220, 330), m, files.lonlat(240, 300)] * 0
        or [
            files.lonlat(200, 280),
            files.lonlat(240, 280),
            files.lonlat(240, 320),
            files.lonlat(220, 320),
            files.lonlat(220, 340),
            files.lonlat(220, 320),
            files.lonlat(200, 320),
            files.lonlat(200, 280),
        ]
    )  # a zero-width spike: repaired by dropping the spike
    outside = shapely.Polygon(files.square(5000, 5000))
    fields = {"NAME": ["好楼", "蝴蝶楼", "尖刺楼", "界外楼"], "YEAR": ["1990", "1991", "not a year", "1993"]}
    path = files.write(tmp_path / "mixed.gpkg", [good, bowtie, spike, outside], fields, "GPKG")
    call_command("import_layer", str(path), target="building", map=["name=NAME", "year_built=YEAR"])
    job = ImportJob.objects.get()
    report = {row: (status, notes.text(note)) for row, status, _pk, note in job.report}
    assert report[1][0] == "imported"
    assert report[2][0] == "skipped" and "Self-intersection" in report[2][1]
    assert report[3][0] == "skipped" and "year_built" in report[3][1]
    assert report[4][0] == "skipped" and "outside every community" in report[4][1]
    assert list(Building.objects.values_list("name", flat=True)) == ["好楼"]
    fields["YEAR"][2] = "1992"
    path = files.write(tmp_path / "mixed2.gpkg", [good, bowtie, spike, outside], fields, "GPKG")
    call_command("import_layer", str(path), target="building", map=["name=NAME", "year_built=YEAR"], key="name")
    job = ImportJob.objects.order_by("-pk").first()
    report = {row: (status, notes.text(note)) for row, status, _pk, note in job.report}
    assert report[3][0] == "imported" and "repaired" in report[3][1]
    assert Building.objects.get(name="尖刺楼").footprint.valid


def test_overlay_layer_from_geojson_kml_and_csv_keeps_the_attributes(community, tmp_path):
    lon, lat = files.lonlat(500, 400)
    gj = files.geojson(
        tmp_path,
        [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"id": "A1", "kind": "井盖"},
            }
        ],
    )
    call_command("import_layer", str(gj), target="feature", overlay="井盖", map=["key=id"], key="key")
    f = Feature.objects.get(layer__name="井盖")
    assert f.key == "A1" and f.properties == {"kind": "井盖"}
    assert metres_between((lon, lat), (f.geom.x, f.geom.y)) < 0.01

    kml = files.write(tmp_path / "p.kml", [shapely.Point(lon, lat)], {"Name": ["亭子"]}, "KML")
    call_command("import_layer", str(kml), target="feature", overlay="议事亭", map=["name=Name"])
    assert Feature.objects.get(layer__name="议事亭").name == "亭子"

    x, y = files.project(lon, lat, 4547)
    wkt = files.csv_file(tmp_path, [["code", "wkt"], ["W1", f"POINT ({x} {y})"]], name="wkt.csv")
    call_command("import_layer", str(wkt), target="feature", overlay="WKT", map=["key=code"], crs="EPSG:4547")
    f = Feature.objects.get(layer__name="WKT")
    assert f.key == "W1" and metres_between((lon, lat), (f.geom.x, f.geom.y)) < 0.5

    lonlat_csv = files.csv_file(tmp_path, [["code", "lon", "lat"], ["L1", lon, lat], ["L2", lon, lat]], name="ll.csv")
    call_command("import_layer", str(lonlat_csv), target="feature", overlay="点", map=["key=code"], key="key")
    call_command("import_layer", str(lonlat_csv), target="feature", overlay="点", map=["key=code"], key="key")
    assert sorted(Feature.objects.filter(layer__name="点").values_list("key", flat=True)) == ["L1", "L2"]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: files.zip_of(d, {"roads.dbf": b"x", "roads.shx": b"y"}), "no .shp"),
        (lambda d: files.zip_of(d, {"a.shp": b"x"}, name="partial.zip"), "lacks"),
        (lambda d: (d / "x.geojson").write_text("[" * 5000 + "]" * 5000) and d / "x.geojson", "nested"),
        (lambda d: (d / "x.txt").write_text("hello") and d / "x.txt", "Unknown file type"),
        (
            lambda d: (d / "broken.gpkg").write_bytes(b"SQLite format 3\x00 garbage") and d / "broken.gpkg",
            "cannot be read",
        ),
    ],
)
def test_bad_files_get_a_clear_error_and_nothing_is_imported(community, tmp_path, make, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_layer", str(make(tmp_path)), target="feature", overlay="x")
    assert not Feature.objects.exists() and not Building.objects.exists()


def test_unknown_crs_is_refused(community, tmp_path):
    lon, lat = files.lonlat(500, 400)
    gj = files.geojson(
        tmp_path, [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {}}]
    )
    with pytest.raises(CommandError, match="Unknown CRS"):
        call_command("import_layer", str(gj), target="feature", overlay="x", crs="EPSG:999999")
    assert not Feature.objects.exists()


def test_a_geometry_with_millions_of_vertices_is_refused_whole(community, tmp_path, settings):
    settings.LAYERS = {**settings.LAYERS, "MAX_TOTAL_VERTICES": 10000}
    lon, lat = files.lonlat(500, 400)
    ring = [[lon + 0.001 * (i % 2), lat + 0.000001 * i] for i in range(20000)] + [[lon, lat]]
    ok = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {}}
    bomb = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": ring}, "properties": {}}
    gj = files.geojson(tmp_path, [ok, bomb])
    with pytest.raises(CommandError, match="more than 10000 vertices.*GRIDWORK_MAX_IMPORT_VERTICES"):
        call_command("import_layer", str(gj), target="feature", overlay="x")
    # Refused while the file is scanned, before GDAL reads it: no feature, no job, no layer.
    assert not Feature.objects.exists()
    assert not ImportJob.objects.exists() and not FeatureLayer.objects.exists()
