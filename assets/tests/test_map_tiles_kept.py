"""The clusters are kept (assets/map_clusters.py), yet a change shows at once: another request drawing the tile while
the write is not yet committed does not see it (nor waits for it), the next one after the commit does. A facility on
the line between two tiles is counted in one of them."""

import threading

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.test import Client

from assets.models import Asset
from assets.tasks import roll_map_clusters
from assets.tests.conftest import town, types  # noqa: F401 (fixtures)
from assets.tests.helpers import make_asset
from assets.tests.test_tiles import tile_of
from layers.tiles import tile_bounds

pytestmark = pytest.mark.django_db(transaction=True)


def toilets_in(z, x, y):
    resp = Client().get(f"/tiles/asset-map/{z}/{x}/{y}.pbf")
    assert resp.status_code == 200
    feats = mapbox_vector_tile.decode(resp.content).get("asset-map", {}).get("features", [])
    return sum(f["properties"]["n"] for f in feats if f["properties"]["family"] == "03")


def test_a_facility_added_shows_in_the_kept_cluster_tile(types, town):  # noqa: F811
    first = make_asset(types, "0304", 120, 150, name="公厕1")
    roll_map_clusters()  # kept for today, as the worker keeps them (the flush after another test leaves no day)
    tile = tile_of(first.anchor, 10)
    assert toilets_in(*tile) == 1  # kept
    seen = {}

    def another_request():
        try:
            seen["n"] = toilets_in(*tile)
        finally:
            from django.db import connection as c

            c.close()

    with transaction.atomic():
        make_asset(types, "0304", 140, 150, name="公厕2")  # kept by the triggers, not yet committed
        t = threading.Thread(target=another_request)
        t.start()
        t.join()
    assert seen["n"] == 1  # the other request could not see it yet
    assert toilets_in(*tile) == 2  # committed: the map should show it "at once"
    connection.close()


def clusters(client, z, x, y):
    resp = client.get(f"/tiles/asset-map/{z}/{x}/{y}.pbf")
    assert resp.status_code == 200
    return mapbox_vector_tile.decode(resp.content).get("asset-map", {}).get("features", [])


def test_a_facility_on_a_tile_edge_is_counted_once(client, types, town):  # noqa: F811
    toilet = make_asset(types, "0304", 120, 150, name="公厕")
    roll_map_clusters()
    z, x, y = tile_of(toilet.anchor, 10)
    west, south, east, north = tile_bounds(z, x, y)
    Asset.objects.filter(pk=toilet.pk).update(anchor=Point(west, (south + north) / 2, srid=4326))
    total = sum(
        f["properties"]["n"]
        for t in ((x - 1, y), (x, y))
        for f in clusters(client, z, *t)
        if f["properties"]["family"] == "03"
    )
    assert total == 1, total
