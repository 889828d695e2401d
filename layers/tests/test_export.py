"""Exporting the lists: every format, the list's filters, a chosen CRS, masked personal data, round trip."""

import csv
import io
import zipfile

import pyogrio
import pyogrio.raw
import pytest
import shapely
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from openpyxl import load_workbook

from grids.models import Building, Household
from grids.tests.factories import in_test_district, make_cells, make_community, point
from layers.models import Feature
from layers.tests import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    community = make_community()
    cells = make_cells(community)
    for i, (x, y) in enumerate([(100, 100), (600, 100), (100, 600), (600, 600), (120, 150)]):
        Building.objects.create(name=f"{i + 1}号楼", footprint=shapely_to_geos(files.square(x, y)), year_built=1990 + i)
    return cells


def shapely_to_geos(ring):
    from django.contrib.gis.geos import Polygon

    return Polygon(ring, srid=4326)


def read_gis(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_every_format_downloads_the_filtered_list(client, town, tmp_path):
    cell = Building.objects.get(name="1号楼").cell
    in_cell = set(Building.objects.filter(cell=cell).values_list("name", flat=True))
    assert len(in_cell) == 2
    for fmt in ("gpkg", "geojson", "shp", "csv", "xlsx"):
        response = client.get("/grids/building/export/", {"format": fmt, "cell": cell.pk})
        assert response.status_code == 200, (fmt, response.content[:200])
        body = b"".join(response) if response.streaming else response.content
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
            names = {r["name"] for r in rows}
            assert all(r["wkt"].startswith("POLYGON") for r in rows)
        elif fmt == "xlsx":
            ws = load_workbook(io.BytesIO(body)).active
            header = [c.value for c in ws[1]]
            names = {row[header.index("name")] for row in ws.iter_rows(min_row=2, values_only=True)}
        else:
            path = read_gis(tmp_path, body, f"b.{'zip' if fmt == 'shp' else fmt}")
            opened = f"/vsizip/{path}" if fmt == "shp" else str(path)
            meta, _fids, _geoms, data = pyogrio.raw.read(opened)
            names = set(data[meta["fields"].tolist().index("name")].tolist())
        assert names == in_cell, fmt


def test_export_in_a_gauss_kruger_crs_puts_a_known_corner_within_half_a_metre(client, town, tmp_path):
    b = Building.objects.get(name="2号楼")
    lon, lat = b.footprint.coords[0][0]
    expected = files.project(lon, lat, 4547)
    response = client.get("/grids/building/export/", {"format": "shp", "crs": "EPSG:4547", "name": "2号楼"})
    path = read_gis(tmp_path, response.content, "b.zip")
    assert any(n.endswith(".prj") for n in zipfile.ZipFile(path).namelist())
    info = pyogrio.read_info(f"/vsizip/{path}")
    assert info["crs"] == "EPSG:4547"
    _meta, _fids, geoms, data = pyogrio.raw.read(f"/vsizip/{path}")
    ids = data[0].tolist()
    corners = shapely.get_coordinates(shapely.from_wkb(geoms[ids.index(b.pk)]))
    assert min(((x - expected[0]) ** 2 + (y - expected[1]) ** 2) ** 0.5 for x, y in corners) < 0.5


def test_export_then_import_gives_the_same_features(client, town, tmp_path):
    response = client.get("/grids/building/export/", {"format": "gpkg"})
    path = read_gis(tmp_path, response.content, "buildings.gpkg")
    call_command("import_layer", str(path), target="feature", overlay="回环", map=["key=id", "name=name"], key="key")
    imported = {f.key: f for f in Feature.objects.filter(layer__name="回环")}
    assert len(imported) == Building.objects.count()
    for b in Building.objects.all():
        f = imported[str(b.pk)]
        assert f.name == b.name and f.properties["year_built"] == b.year_built
        assert f.geom.equals_exact(b.footprint, tolerance=1e-9)


def test_household_export_masks_personal_data_and_needs_the_view_permission(client, town):
    Household.objects.create(head_name="张三丰", phone="13812345678", location=point(50, 50))
    assert client.get("/grids/household/export/", {"format": "csv"}).status_code == 302  # to the login page
    user = User.objects.create_user("worker", password="pass-word-123")
    user.user_permissions.add(Permission.objects.get(codename="view_household"))
    in_test_district(user)
    client.force_login(user)
    body = client.get("/grids/household/export/", {"format": "csv"}).content.decode("utf-8-sig")
    assert "13812345678" not in body and "张三丰" not in body
    # an administrator (who may reveal records one by one on the page) still exports them masked
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pass-word-123"))
    for fmt in ("csv", "xlsx", "geojson"):
        body = client.get("/grids/household/export/", {"format": fmt}).content
        text = body.decode("utf-8-sig") if fmt != "xlsx" else xlsx_text(body)
        assert "138****5678" in text and "张**" in text, fmt
        assert "13812345678" not in text and "张三丰" not in text, fmt


def xlsx_text(body):
    ws = load_workbook(io.BytesIO(body)).active
    return " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row)


def test_unknown_format_or_crs_is_refused(client, town):
    assert client.get("/grids/building/export/", {"format": "dwg"}).status_code == 400
    response = client.get("/grids/building/export/", {"format": "gpkg", "crs": "EPSG:999999"})
    assert response.status_code == 400 and b"999999" in response.content


def test_list_page_offers_the_export_with_its_filters(client, town):
    cell = Building.objects.first().cell
    html = client.get("/grids/building/", {"cell": cell.pk}).content.decode()
    assert 'action="/grids/building/export/"' in html
    assert f'name="cell" value="{cell.pk}"' in html
