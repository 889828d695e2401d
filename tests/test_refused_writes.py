"""Writes that are refused leave nothing behind and say why.

- Deleting a district, street, community or responsible party that other records still refer to answers 409 with
  the kinds and counts of those records, through the API and through the delete pages; nothing is deleted.
- A photo whose header claims more pixels than GRIDWORK_MAX_PHOTO_PIXELS (a decompression bomb) is refused from
  its header; no row, no file.
- Encrypted and damaged (bad CRC) zip archives, and GeoJSON files past the vertex or feature limits, are refused by
  the import page with a specific message; no job row, no stored file, no unpacked folder, no temporary upload.
"""

import io
import json
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from grids.models import Community, District, GridCell, Street
from grids.tests.factories import make_cells, make_community, point

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("refusals-admin", password="x-long-password-1")


@pytest.fixture
def storage(settings, tmp_path):
    """MEDIA_ROOT and the upload temporary folder of this test only; every upload goes through a temporary file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    (tmp_path / "media").mkdir()
    (tmp_path / "uploads").mkdir()
    return tmp_path


def leftovers(root):
    """Files, and unpacked archive folders, under root (the empty dated folders of the storage do not count)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.name.endswith(".d"))


# --- protected deletes ------------------------------------------------------------------------------------------
def test_deleting_a_district_that_has_streets_is_a_409_naming_them(client, admin):
    community = make_community()
    make_cells(community, 2, 1)
    district = community.street.district
    client.force_login(admin)
    response = client.delete(f"/api/v1/districts/{district.pk}/", headers=EN)
    assert response.status_code == 409
    body = response.json()
    assert "1 street" in body["detail"] and "still refers to it" in body["detail"]
    assert body["references"] == [{"model": "grids.street", "label": "street", "count": 1}]
    assert District.objects.filter(pk=district.pk).exists() and Street.objects.count() == 1


def test_deleting_a_community_with_cells_is_a_409_with_the_count(client, admin):
    community = make_community()
    make_cells(community, 3, 2)
    client.force_login(admin)
    response = client.delete(f"/api/v1/communities/{community.pk}/", headers=EN)
    assert response.status_code == 409
    assert "6 grid cells" in response.json()["detail"]
    assert Community.objects.filter(pk=community.pk).exists() and GridCell.objects.count() == 6


def test_deleting_a_party_that_holds_an_area_is_a_409(client, admin):
    from responsibility.models import Party
    from responsibility.tests.factories import polygon_area

    community = make_community()
    area = polygon_area(community, 0, 0, 100, 20)
    client.force_login(admin)
    response = client.delete(f"/api/v1/parties/{area.party_id}/", headers=EN)
    assert response.status_code == 409
    assert response.json()["references"][0]["model"] == "responsibility.responsibilityarea"
    assert Party.objects.filter(pk=area.party_id).exists()


@pytest.mark.parametrize("entity", ["district", "street", "community"])
def test_delete_pages_answer_409_with_what_still_refers(client, admin, entity):
    community = make_community()
    make_cells(community, 2, 1)
    obj = {"district": community.street.district, "street": community.street, "community": community}[entity]
    client.force_login(admin)
    response = client.post(f"/grids/{entity}/{obj.pk}/delete/", headers=EN)
    assert response.status_code == 409
    page = response.content.decode()
    expected = {"district": "1 street", "street": "1 community", "community": "2 grid cells"}[entity]
    assert "cannot be deleted" in page and expected in page
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_record_nothing_refers_to_is_still_deleted(client, admin):
    community = make_community()
    client.force_login(admin)
    response = client.delete(f"/api/v1/communities/{community.pk}/")
    assert response.status_code == 204 and not Community.objects.exists()
    street = community.street
    response = client.post(f"/grids/street/{street.pk}/delete/")
    assert response.status_code == 302 and not Street.objects.exists()


# --- photos: the pixel count from the header ------------------------------------------------------------------
def png_header(width, height):
    """A valid PNG of a few hundred bytes whose header says width × height (the pixels are never there)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 256)) + chunk(b"IEND", b"")
    )


@pytest.fixture
def asset(db):
    from assets.models import Asset, AssetType

    call_command("loaddata", "asset_types", verbosity=0)
    make_cells(make_community(), 2, 1)
    toilet = AssetType.objects.get(family__code="03", code="04")
    return Asset.objects.create(type=toilet, name="公厕", geom=point(100, 100))


@pytest.mark.parametrize("size", [(13000, 13000), (7000, 7000)])
def test_a_photo_bomb_is_refused_from_its_header_through_the_api(client, admin, asset, storage, size):
    from assets.models import AssetPhoto

    data = png_header(*size)
    assert len(data) < 1000
    client.force_login(admin)
    response = client.post(
        f"/api/v1/assets/{asset.pk}/photos/",
        {"image": SimpleUploadedFile("bomb.png", data, content_type="image/png")},
        headers=EN,
    )
    assert response.status_code == 400
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "bomb.png" in text and "GRIDWORK_MAX_PHOTO_PIXELS" in text
    assert ("7000 × 7000" in text) == (size == (7000, 7000))
    assert not AssetPhoto.objects.exists()
    assert leftovers(storage / "media") == [] and leftovers(storage / "uploads") == []


def test_a_photo_bomb_is_refused_on_the_photo_page(client, admin, asset, storage):
    from assets.models import AssetPhoto

    client.force_login(admin)
    response = client.post(
        f"/assets/asset/{asset.pk}/photo/",
        {"image": SimpleUploadedFile("bomb.png", png_header(13000, 13000), content_type="image/png")},
        headers=EN,
        follow=True,
    )
    assert "169,000,000 pixels" in response.content.decode()
    assert not AssetPhoto.objects.exists() and leftovers(storage / "media") == []


def test_a_photo_bomb_in_a_case_report_saves_no_case(client, storage):
    from cases.models import Case, CasePhoto

    call_command("loaddata", "case_categories", verbosity=0)
    make_cells(make_community(), 2, 1)
    p = point(100, 100)
    response = client.post(
        "/cases/report/",
        {
            "kind": Case.Kind.PROBLEM,
            "category": "0101",
            "description": "垃圾",
            "lon": p.x,
            "lat": p.y,
            "contact_name": "张",
            "contact_phone": "13812345678",
            "photos": SimpleUploadedFile("bomb.png", png_header(13000, 13000), content_type="image/png"),
        },
        headers=EN,
    )
    assert response.status_code == 200
    assert "GRIDWORK_MAX_PHOTO_PIXELS" in response.content.decode()
    assert not Case.objects.exists() and not CasePhoto.objects.exists()
    assert leftovers(storage / "media") == [] and leftovers(storage / "uploads") == []


def test_pillow_refuses_to_decode_past_the_setting():
    from PIL import Image

    from common.images import max_pixels

    assert Image.MAX_IMAGE_PIXELS == max_pixels() == 40_000_000


# --- import files -----------------------------------------------------------------------------------------------
def shapefile_zip(tmp_path):
    import shapely

    from layers.tests import files

    rings = [files.square(50 + 90 * i, 50) for i in range(3)]
    folder = tmp_path / "shp"
    folder.mkdir()
    files.write(
        folder / "楼栋.shp", [shapely.Polygon(r) for r in rings], {"名称": ["1栋", "2栋", "3栋"]}, "ESRI Shapefile"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
    return buf.getvalue()


def mark_encrypted(data):
    """Set the 'encrypted' flag (bit 0) of every member, in the local and the central headers."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            out[info.header_offset + 6] |= 0x1
    start = data.rfind(b"PK\x05\x06")
    central = struct.unpack("<I", data[start + 16 : start + 20])[0]
    pos = central
    while data[pos : pos + 4] == b"PK\x01\x02":
        out[pos + 8] |= 0x1
        n, m, k = struct.unpack("<HHH", data[pos + 28 : pos + 34])
        pos += 46 + n + m + k
    return bytes(out)


def break_crc(data):
    """Change one byte of the .shp member's stored data: its CRC-32 no longer matches."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = next(i for i in z.infolist() if i.filename.endswith(".shp"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    out[start + 120] ^= 0xFF
    return bytes(out)


def post_import(client, name, data):
    return client.post(
        "/layers/imports/",
        {"file": SimpleUploadedFile(name, data), "target": "building", "crs": "", "layer": ""},
        headers=EN,
    )


def assert_nothing_kept(storage):
    from layers.models import ImportJob

    assert not ImportJob.objects.exists()
    assert leftovers(storage / "media") == [] and leftovers(storage / "uploads") == []


def test_a_good_shapefile_zip_is_accepted(client, admin, storage, tmp_path):
    from layers.models import ImportJob

    client.force_login(admin)
    response = post_import(client, "楼栋.zip", shapefile_zip(tmp_path))
    assert response.status_code == 302, response.content.decode()[:500]
    assert ImportJob.objects.get().feature_count == 3


@pytest.mark.parametrize(
    "spoil,words",
    [(mark_encrypted, "is encrypted (password-protected: 楼栋."), (break_crc, "楼栋.shp fails its CRC-32 check")],
    ids=["encrypted", "bad-crc"],
)
def test_encrypted_and_damaged_zips_are_refused_and_leave_nothing(client, admin, storage, tmp_path, spoil, words):
    client.force_login(admin)
    response = post_import(client, "楼栋.zip", spoil(shapefile_zip(tmp_path)))
    assert response.status_code == 200
    page = response.content.decode()
    assert words in page
    assert_nothing_kept(storage)


def geojson_line(n_vertices, tail=b""):
    coords = ",".join(f"[{114.3 + i * 1e-6:.6f},{30.5 + i * 1e-6:.6f}]" for i in range(n_vertices))
    feature = '{"type":"Feature","properties":{"name":"路"},"geometry":{"type":"LineString","coordinates":[%s]}}'
    return ('{"type":"FeatureCollection","features":[' + feature % coords + "]").encode() + tail + b"}"


def test_a_geojson_past_the_vertex_limit_is_refused_while_streaming(client, admin, storage, settings):
    settings.LAYERS = {**settings.LAYERS, "MAX_TOTAL_VERTICES": 20_000}
    # 60,000 positions (about 1.4 MB), then 2 MB of nesting far past the depth limit: the scan stops at the vertex
    # limit in its first chunk and never reaches the nesting (which would give another message).
    data = geojson_line(60_000, tail=b',"deep":' + b"[" * 1_000_000 + b"]" * 1_000_000)
    client.force_login(admin)
    response = post_import(client, "道路.geojson", data)
    page = response.content.decode()
    assert "more than 20000 vertices" in page and "GRIDWORK_MAX_IMPORT_VERTICES" in page
    assert "nested" not in page
    assert_nothing_kept(storage)


def test_a_geojson_past_the_feature_limit_is_refused(client, admin, storage, settings):
    settings.LAYERS = {**settings.LAYERS, "MAX_FEATURES": 10}
    point_feature = '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [114.3, 30.5]}}'
    data = ('{"type": "FeatureCollection", "features": [' + ",".join([point_feature] * 11) + "]}").encode()
    client.force_login(admin)
    page = post_import(client, "点.geojson", data).content.decode()
    assert "more than 10 features" in page and "GRIDWORK_MAX_IMPORT_FEATURES" in page
    assert_nothing_kept(storage)


def test_the_geojson_scan_counts_what_the_file_holds(tmp_path):
    from layers.readers import scan_geojson

    path = tmp_path / "a.geojson"
    path.write_bytes(geojson_line(100_000))  # longer than one chunk: matches across chunk boundaries count once
    assert scan_geojson(path) == {"vertices": 100_000, "features": 1, "depth": 6}


def test_a_shapefile_past_the_vertex_limit_is_refused_from_its_record_headers(
    client, admin, storage, settings, tmp_path
):
    settings.LAYERS = {**settings.LAYERS, "MAX_TOTAL_VERTICES": 10}  # 3 squares of 5 points each
    client.force_login(admin)
    page = post_import(client, "楼栋.zip", shapefile_zip(tmp_path)).content.decode()
    assert "more than 10 vertices" in page and "GRIDWORK_MAX_IMPORT_VERTICES" in page
    assert_nothing_kept(storage)
