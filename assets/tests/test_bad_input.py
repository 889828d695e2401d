"""Bad input: wrong geometry kind for the type, outside the district, oversized or non-image photos."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from PIL import Image

from assets.models import Asset, AssetPhoto
from assets.tests.helpers import make_asset
from grids.tests.factories import in_test_district, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model, client):
    user = django_user_model.objects.create_user("editor", password="x" * 12)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="assets", codename__in=["add_asset", "add_assetphoto"])
    )
    in_test_district(user)
    client.force_login(user)
    return user


def post_asset(client, type_id, geometry, **props):
    body = {"type": "Feature", "geometry": geometry, "properties": {"type": type_id, "name": "测试设施", **props}}
    return client.post("/api/v1/assets/", json.dumps(body), content_type="application/json")


def test_a_polygon_for_a_point_type_is_refused(client, editor, types, town):
    square = point(100, 100).buffer(0.0002)
    r = post_asset(client, types["0304"].pk, json.loads(square.geojson))
    assert r.status_code == 400
    assert "Point" in json.dumps(r.json(), ensure_ascii=False) and "Polygon" in json.dumps(r.json(), ensure_ascii=False)
    assert not Asset.objects.exists()


def test_a_point_outside_every_district_is_refused(client, editor, types, town):
    r = post_asset(client, types["0304"].pk, {"type": "Point", "coordinates": [116.4, 39.9]})
    assert r.status_code == 400
    assert "116.4" in json.dumps(r.json())
    assert not Asset.objects.exists()


def test_a_polygon_crossing_the_district_boundary_is_refused(client, editor, types, town):
    from shapely.geometry import box

    from grids.tests.factories import geos

    crossing = geos(box(5900, 100, 6100, 200))[0]  # the test district ends at x = 6000 m
    r = post_asset(client, types["0401"].pk, json.loads(crossing.geojson))
    assert r.status_code == 400
    assert "测试区" in json.dumps(r.json(), ensure_ascii=False)
    assert not Asset.objects.exists()


def test_a_good_asset_is_saved_with_its_identifier(client, editor, types, town):
    r = post_asset(client, types["0304"].pk, json.loads(point(100, 100).geojson), open_24h=True, accessible=True)
    assert r.status_code == 201, r.content
    assert r.json()["properties"]["identifier"] == "4201000304000001"
    assert r.json()["properties"]["open_now"] is True


def test_opening_hours_on_a_type_without_them_are_refused(client, editor, types, town):
    r = post_asset(client, types["0101"].pk, json.loads(point(100, 100).geojson), opens_at="08:00", closes_at="18:00")
    assert r.status_code == 400 and "opens_at" in r.json()
    assert not Asset.objects.exists()


def png_bytes(size=(8, 8)):
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 160, 60)).save(buf, "PNG")
    return buf.getvalue()


def media_files():
    root = Path(settings.MEDIA_ROOT) / "assets" / "photos"
    return sorted(root.rglob("*")) if root.exists() else []


def upload(client, asset, name, data, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(f"/api/v1/assets/{asset.pk}/photos/", {"image": f, "caption": "现场"})


def test_a_file_that_is_not_an_image_is_refused(client, editor, types, town, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    asset = make_asset(types, "0304", 100, 100)
    r = upload(client, asset, "toilet.jpg", b"%PDF-1.4 not a photo", "image/jpeg")
    assert r.status_code == 400
    assert "toilet.jpg" in json.dumps(r.json(), ensure_ascii=False)
    assert not AssetPhoto.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_an_oversized_photo_is_refused(client, editor, types, town, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ASSETS = {**settings.ASSETS, "MAX_PHOTO_BYTES": 1000}
    asset = make_asset(types, "0304", 100, 100)
    big = png_bytes((300, 300)) + b"\0" * 2000
    r = upload(client, asset, "big.png", big, "image/png")
    assert r.status_code == 400
    assert "MB" in json.dumps(r.json())
    assert not AssetPhoto.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_a_real_photo_is_stored(client, editor, types, town, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    asset = make_asset(types, "0304", 100, 100)
    r = upload(client, asset, "ok.png", png_bytes(), "image/png")
    assert r.status_code == 201, r.content
    assert AssetPhoto.objects.filter(asset=asset).count() == 1
    assert len(list(tmp_path.rglob("*.png"))) == 1
