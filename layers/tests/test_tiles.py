"""Vector tiles: valid MVT with the right features, HTTP caching, no personal data."""

import math

import mapbox_vector_tile
import morecantile
import pytest
from django.contrib.gis.geos import Polygon

from grids.models import Building, Household
from grids.tests.factories import make_cells, make_community, point
from layers.tests import files

pytestmark = pytest.mark.django_db


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@pytest.fixture
def town():
    community = make_community()
    cells = make_cells(community)
    near = Building.objects.create(name="近楼", footprint=Polygon(files.square(100, 100), srid=4326), year_built=1991)
    far = Building.objects.create(name="远楼", footprint=Polygon(files.square(900, 700), srid=4326), year_built=1992)
    Household.objects.create(head_name="李四", phone="13900001111", location=point(110, 110), building=near)
    return cells, near, far


def get_tile(client, layer, z, x, y, **headers):
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf", headers=headers)


def test_building_tile_decodes_with_the_buildings_of_that_tile_only(client, town):
    _cells, near, far = town
    lon, lat = near.anchor.coords
    z, x, y = tile_of(lon, lat, 17)
    response = get_tile(client, "building", z, x, y)
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    features = decoded["building"]["features"]
    assert {f["properties"]["name"] for f in features} == {"近楼"}
    (f,) = features
    assert f["id"] == near.pk
    assert f["properties"]["year_built"] == 1991 and f["properties"]["cell_code"] == near.cell.code
    assert f["geometry"]["type"] == "Polygon"
    # the far building is in another tile at this zoom, and alone there
    far_tile = tile_of(*far.anchor.coords, 17)
    assert far_tile != (z, x, y)
    decoded = mapbox_vector_tile.decode(get_tile(client, "building", *far_tile).content)
    assert [f["properties"]["name"] for f in decoded["building"]["features"]] == ["远楼"]


def test_cell_tile_holds_codes_and_no_personal_data(client, town):
    cells, near, _far = town
    lon, lat = near.anchor.coords
    z, x, y = tile_of(lon, lat, 15)
    response = get_tile(client, "gridcell", z, x, y)
    decoded = mapbox_vector_tile.decode(response.content)
    b = morecantile.tms.get("WebMercatorQuad").bounds(x, y, z)
    box = Polygon.from_bbox((b.left, b.bottom, b.right, b.top))
    expected = {c.code for c in cells if c.boundary.intersects(box)}
    assert near.cell.code in expected
    assert {f["properties"]["code"] for f in decoded["gridcell"]["features"]} == expected
    body = response.content
    for personal in ("李四".encode(), b"13900001111", b"head_name", b"phone"):
        assert personal not in body
    assert get_tile(client, "household", 13, 0, 0).status_code == 404


def test_etag_answers_not_modified_until_an_object_in_the_tile_changes(client, town):
    _cells, near, _far = town
    zxy = tile_of(*near.anchor.coords, 16)
    first = get_tile(client, "building", *zxy)
    assert "max-age" in first["Cache-Control"] and first["ETag"]
    again = get_tile(client, "building", *zxy, **{"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    near.name = "改名楼"
    near.save()
    changed = get_tile(client, "building", *zxy, **{"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_out_of_range_tiles_are_refused(client, town):
    assert get_tile(client, "building", 3, 8, 0).status_code == 400
    assert get_tile(client, "nosuchlayer", 3, 1, 1).status_code == 404
