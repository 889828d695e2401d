"""The public facility map's tiles ("asset-map": clusters per zoom, then single facilities) and the popup fetched on
demand: public facilities only, codes and counts in the tiles, public fields in the popup, no people."""

import mapbox_vector_tile
import pytest

from assets.map_tiles import CLUSTER_BELOW
from assets.models import Adoption
from assets.tasks import roll_map_clusters
from assets.tests.helpers import make_asset, make_green
from assets.tests.test_tiles import tile_of
from grids.tests.factories import point

pytestmark = pytest.mark.django_db


@pytest.fixture
def facilities(types, town):
    toilets = [make_asset(types, "0304", 100 + 20 * i, 150, name=f"公厕{i}", owner="张三物业") for i in range(5)]
    bins = [make_asset(types, "0301", 120 + 15 * i, 420, name=f"垃圾桶{i}") for i in range(3)]
    camera = make_asset(types, "0601", 130, 160, name="摄像头")  # not a public type
    green = make_green(types, 500, 200, 600, 300, name="社区小游园", open_for_adoption=True)
    roll_map_clusters()  # kept for today, as the worker keeps them (a flush by another test leaves no day)
    return toilets, bins, camera, green


def features(client, z, x, y):
    resp = client.get(f"/tiles/asset-map/{z}/{x}/{y}.pbf")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.mapbox-vector-tile")
    return mapbox_vector_tile.decode(resp.content).get("asset-map", {}).get("features", [])


def test_below_street_level_a_tile_holds_clusters_per_family_that_count_every_public_facility_once(client, facilities):
    toilets, bins, camera, green = facilities
    z, x, y = tile_of(point(300, 300), 10)
    feats = features(client, z, x, y)
    by_family = {}
    for f in feats:
        by_family.setdefault(f["properties"]["family"], []).append(f["properties"])
        assert set(f["properties"]) <= {"family", "n", "n_open", "asset", "adoption"}  # codes and counts only
        assert f["geometry"]["type"] == "Point"
    assert sum(p["n"] for p in by_family["03"]) == len(toilets) + len(bins)  # the camera (06) is not public
    assert "06" not in by_family
    assert [(p["n"], p["n_open"], p["asset"], p["adoption"]) for p in by_family["04"]] == [(1, 1, green.pk, "open")]
    # the whole town is one or two clusters per family at this zoom, not one feature per facility
    assert len(by_family["03"]) < len(toilets) + len(bins)


def test_from_street_level_a_tile_holds_each_public_facility_with_its_shape(client, facilities, django_user_model):
    toilets, bins, camera, green = facilities
    Adoption.objects.create(
        asset=green, applicant=django_user_model.objects.create_user("wf"), adopter_kind="household",
        adopter_name="王芳", contact_phone="13812345678", status=Adoption.Status.APPROVED,
        start="2020-01-01", end="2099-12-31",
    )  # fmt: skip
    feats = []
    for a in toilets:  # each in the tile of its anchor
        found = features(client, *tile_of(a.anchor, CLUSTER_BELOW + 2))
        assert a.pk in {f["properties"]["asset"] for f in found}
        feats += found
    by_asset = {f["properties"]["asset"]: f for f in feats}
    assert camera.pk not in by_asset
    toilet = by_asset[toilets[0].pk]["properties"]
    assert toilet == {"asset": toilets[0].pk, "family": "03", "type": "0304", "n": 1, "n_open": 0}
    z, x, y = tile_of(point(550, 250), CLUSTER_BELOW + 2)
    shape = {f["properties"]["asset"]: f for f in features(client, z, x, y)}[green.pk]
    assert shape["geometry"]["type"] == "Polygon"
    assert shape["properties"]["adoption"] == "adopted" and shape["properties"]["n_open"] == 0  # adopted now
    assert "王芳" not in str(feats) and "张三物业" not in str(feats)


def test_the_popup_of_a_facility_gives_its_public_fields_and_a_non_public_one_is_not_found(client, facilities):
    toilets, bins, camera, green = facilities
    resp = client.get(f"/api/v1/assets/{toilets[0].pk}/popup/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["name"] == "公厕0" and body["identifier"] == toilets[0].identifier and body["type_code"] == "0304"
    assert body["family"] == "03" and body["adoption"] is None
    assert round(body["lon"], 6) == round(toilets[0].anchor.x, 6)
    assert "owner" not in body and "note" not in body and "photos" not in body
    assert "张三物业" not in resp.content.decode()
    assert client.get(f"/api/v1/assets/{green.pk}/popup/").json()["adoption"] == "open"
    assert client.get(f"/api/v1/assets/{camera.pk}/popup/").status_code == 404  # not public: not there for the public
    assert client.get("/api/v1/assets/999999/popup/").status_code == 404
    assert client.get("/api/v1/assets/abc/popup/").status_code == 404


def test_a_kept_cluster_tile_shows_a_new_facility_at_once(client, facilities, types):
    toilets, bins, camera, green = facilities
    zxy = tile_of(point(300, 300), 10)
    before = sum(f["properties"]["n"] for f in features(client, *zxy) if f["properties"]["family"] == "03")
    again = client.get("/tiles/asset-map/{}/{}/{}.pbf".format(*zxy))
    make_asset(types, "0301", 160, 430, name="新垃圾桶")
    after = sum(f["properties"]["n"] for f in features(client, *zxy) if f["properties"]["family"] == "03")
    assert (before, after) == (len(toilets) + len(bins), len(toilets) + len(bins) + 1)
    now = client.get("/tiles/asset-map/{}/{}/{}.pbf".format(*zxy))
    assert again.status_code == 200 and again["ETag"] != now["ETag"]
