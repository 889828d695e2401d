"""A cluster tile of the public facility map read from a real streaming standby (tests/test_replica.py starts it)
asks the primary nothing: the kept day is read where the tile is, and a day to roll is left to the worker."""

import datetime

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets import map_clusters
from assets.map_tiles import direct_cluster_sql
from assets.tasks import roll_map_clusters
from assets.tests.helpers import make_asset
from assets.tests.test_map_clusters import adopt, decoded
from assets.tests.test_map_day import features
from assets.tests.test_tiles import tile_of
from grids.tests.factories import point
from gridwork import replica
from layers.tests.test_lean_tiles import wsgi  # noqa: F401 (fixture: the WSGI application as gunicorn calls it)
from tests.test_replica import ON_REPLICA, REPLICA, replayed, replica_alias, standby  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def no_roll_requested():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@ON_REPLICA
def test_a_tile_on_the_standby_asks_the_primary_nothing(replica_alias, client, wsgi, types, town, django_user_model):  # noqa: F811
    today = timezone.localdate()
    for i in range(5):
        make_asset(types, "0304", 100 + 30 * i, 150, name=f"公厕{i}", open_for_adoption=True)
    begins = make_asset(types, "0402", 600, 500, open_for_adoption=True)
    adopt(begins, django_user_model.objects.create_user("adopter"), today, today + datetime.timedelta(days=10))
    zxy = tile_of(point(300, 300), 10)
    path = "/tiles/asset-map/{}/{}/{}.pbf".format(*zxy)
    direct, _ = decoded(direct_cluster_sql(*zxy))

    def on_the_standby():
        with (
            CaptureQueriesContext(connections["default"]) as on_primary,
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
        ):
            full = client.get(path)
            lean = wsgi(path)
        assert full.status_code == 200 and full[replica.HEADER] == "replica"
        assert lean["status"] == 200 and lean["headers"][replica.HEADER] == "replica"
        assert on_primary.captured_queries == []  # not even the kept day
        assert features(full.content) == direct and features(lean["body"]) == direct
        return " ".join(q["sql"] for q in on_replica.captured_queries)

    roll_map_clusters()  # the worker, on the primary
    replayed()
    read = on_the_standby()
    assert map_clusters.META_TABLE in read and map_clusters.CLUSTER_TABLE in read  # the kept clusters

    map_clusters.roll(today - datetime.timedelta(days=2))  # kept as of two days ago
    replayed()
    read = on_the_standby()  # the direct grouping, on the standby; nothing rolled
    assert map_clusters.CLUSTER_TABLE not in read and "assets_adoption" in read
    assert map_clusters.kept_day() == today - datetime.timedelta(days=2)
