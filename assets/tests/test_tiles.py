"""Public facilities as vector tiles: only the public types, with their codes and condition, no people."""

import math

import mapbox_vector_tile
import pytest

from assets.tests.helpers import make_asset, make_green
from grids.tests.factories import point

pytestmark = pytest.mark.django_db


def tile_of(p, z):
    n = 2**z
    x = int((p.x + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(p.y))) / math.pi) / 2 * n)
    return z, x, y


def test_asset_tile_holds_the_public_facilities_of_the_tile_with_their_type_and_condition(client, types, town):
    toilet = make_asset(types, "0304", 120, 150, name="公厕甲", condition="damaged")
    make_asset(types, "0601", 125, 150, name="摄像头")  # a camera: its type is not public
    green = make_green(types, 100, 100, 200, 200, name="小游园")
    make_asset(types, "0304", 5000, 5000, name="远处公厕")  # kilometres away: another tile
    z, x, y = tile_of(point(120, 150), 16)
    resp = client.get(f"/tiles/asset/{z}/{x}/{y}.pbf")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.mapbox-vector-tile")
    features = mapbox_vector_tile.decode(resp.content)["asset"]["features"]
    by_name = {f["properties"]["name"]: f for f in features}
    assert set(by_name) == {"公厕甲", "小游园"}
    props = by_name["公厕甲"]["properties"]
    assert props["identifier"] == toilet.identifier and props["condition"] == "damaged"
    assert props["type_family_code"] + props["type_code"] == "0304"
    assert by_name["小游园"]["id"] == green.pk and by_name["小游园"]["geometry"]["type"] == "Polygon"
    # below street level the layer is empty: a whole city of single facilities is not a map
    z, x, y = tile_of(point(120, 150), 10)
    low = client.get(f"/tiles/asset/{z}/{x}/{y}.pbf")
    assert low.status_code == 200 and low.content == b""
