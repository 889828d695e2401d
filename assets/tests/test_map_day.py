"""No request rolls or rebuilds the public map's kept clusters (assets/map_clusters.py): a cluster tile whose kept day
is missing (a flush, a restore) or not today answers the direct grouping of the facilities, writes nothing and asks
the worker; the worker's task (assets.roll_map_clusters, on the beat after local midnight) moves them to today."""

import datetime
import json
import re

import mapbox_vector_tile
import pytest
from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets import map_clusters
from assets.map_tiles import direct_cluster_sql, public_extent
from assets.models import Adoption, Asset
from assets.tasks import roll_map_clusters
from assets.tests.helpers import make_asset
from assets.tests.test_map_clusters import adopt, compare_everywhere, decoded
from assets.tests.test_tiles import tile_of
from grids.tests.factories import point
from layers.tests.conftest import redis_url  # noqa: F401 (fixture: a private Redis)
from layers.tests.test_lean_tiles import wsgi  # noqa: F401 (fixture: the WSGI application as gunicorn calls it)

pytestmark = pytest.mark.django_db

WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|TRUNCATE|ANALYZE|SELECT\s+(assets_map_sync|pg_(try_)?advisory))", re.I)


@pytest.fixture(autouse=True)
def no_roll_requested():
    cache.clear()  # the "roll requested" marks of other tests (the local-memory cache lives as long as the process)
    yield
    cache.clear()


def features(content):
    feats = mapbox_vector_tile.decode(content).get("asset-map", {}).get("features", [])
    return sorted((tuple(sorted(f["properties"].items())), tuple(f["geometry"]["coordinates"])) for f in feats)


def meta_rows():
    with connection.cursor() as cur:
        cur.execute(f"SELECT day FROM {map_clusters.META_TABLE}")
        return [r[0] for r in cur.fetchall()]


def writes_of(captured):
    return [q["sql"][:80] for q in captured.captured_queries if WRITES.match(q["sql"])]


def test_a_tile_with_the_kept_day_missing_answers_the_direct_grouping_and_writes_nothing(client, wsgi, types, town):  # noqa: F811
    for i in range(6):
        make_asset(types, "0304", 100 + 30 * i, 150, name=f"公厕{i}", open_for_adoption=i % 2 == 0)
    make_asset(types, "0402", 400, 500, open_for_adoption=True)
    roll_map_clusters()
    with connection.cursor() as cur:  # as a flush or a restore leaves it
        cur.execute(f"DELETE FROM {map_clusters.META_TABLE}")
    late = make_asset(types, "0301", 700, 600, name="垃圾桶")  # the triggers keep nothing without a day
    zxy = tile_of(point(300, 300), 10)
    assert tile_of(late.anchor, 10) == zxy
    direct, _ = decoded(direct_cluster_sql(*zxy))
    kept, _ = decoded(map_clusters.cluster_sql(*zxy))
    assert direct != kept  # the kept clusters miss the last facility
    path = "/tiles/asset-map/{}/{}/{}.pbf".format(*zxy)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        lean = wsgi(path)  # the lean tile path (layers/lean.py) too
    assert response.status_code == 200 and lean["status"] == 200
    assert features(response.content) == direct and features(lean["body"]) == direct
    assert sum(dict(p)["n"] for p, _ in direct) == 8
    assert writes_of(captured) == [] and meta_rows() == []  # no rebuild inside the request
    # The page's extent without ?bbox= (read from the kept members) comes from the facilities meanwhile.
    box = Asset.objects.public().aggregate(box=Extent("anchor"))["box"]
    with CaptureQueriesContext(connection) as captured:
        assert public_extent() == [round(v, 6) for v in box]
    assert writes_of(captured) == [] and meta_rows() == []

    assert roll_map_clusters() == timezone.localdate().isoformat()  # the worker rebuilds
    assert meta_rows() == [timezone.localdate()]
    assert decoded(map_clusters.cluster_sql(*zxy))[0] == direct
    assert features(client.get(path).content) == direct
    assert public_extent() == [round(v, 6) for v in box]
    assert compare_everywhere() > 0


def test_a_stale_day_is_answered_by_the_direct_grouping_until_the_task_rolls(client, types, town, django_user_model):
    user = django_user_model.objects.create_user("adopter")
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    ended = make_asset(types, "0402", 100, 100)
    begins = make_asset(types, "0402", 600, 500, open_for_adoption=True)
    adopt(ended, user, today - 10 * day, today - day)  # over yesterday
    adopt(begins, user, today, today + 10 * day)  # from today
    map_clusters.roll(today - 2 * day)  # kept as of two days ago: the worker has not rolled since
    zxy = tile_of(point(300, 300), 10)
    assert tile_of(ended.anchor, 10) == zxy == tile_of(begins.anchor, 10)
    direct, _ = decoded(direct_cluster_sql(*zxy))
    stale, _ = decoded(map_clusters.cluster_sql(*zxy))
    assert [dict(p)["n_open"] for p, _ in direct] == [0] and [dict(p)["n_open"] for p, _ in stale] == [1]
    path = "/tiles/asset-map/{}/{}/{}.pbf".format(*zxy)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200 and features(response.content) == direct
    assert writes_of(captured) == [] and meta_rows() == [today - 2 * day]  # not rolled by the request

    roll_map_clusters()
    assert meta_rows() == [today]
    assert decoded(map_clusters.cluster_sql(*zxy))[0] == direct
    with CaptureQueriesContext(connection) as captured:
        again = client.get(path)
    assert features(again.content) == direct
    assert any(map_clusters.CLUSTER_TABLE in q["sql"] for q in captured.captured_queries)  # now from the kept ones
    assert compare_everywhere() > 0
    roll_map_clusters()  # a second run changes nothing
    assert meta_rows() == [today] and compare_everywhere() > 0
    assert Adoption.objects.active_on(today).get().asset == begins


@pytest.fixture
def broker(redis_url, settings):  # noqa: F811
    """The Celery app sending to a private Redis that no worker reads: what a tile sends stays in the queue."""
    import kombu.pools
    import redis

    from gridwork.celery import app

    def fresh():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        kombu.pools.reset()

    before = app.conf.broker_url
    settings.CELERY_BROKER_URL = app.conf.broker_url = redis_url
    fresh()
    queue = redis.Redis.from_url(redis_url)
    queue.delete("celery")
    yield queue
    queue.delete("celery")
    app.conf.broker_url = before
    fresh()


def test_a_tile_of_a_stale_day_asks_the_worker_once(client, broker, types, town):
    make_asset(types, "0304", 100, 150)
    map_clusters.roll(timezone.localdate() - datetime.timedelta(days=1))
    zxy = tile_of(point(300, 300), 10)
    for _ in range(3):
        assert client.get("/tiles/asset-map/{}/{}/{}.pbf".format(*zxy)).status_code == 200
    sent = [json.loads(m)["headers"]["task"] for m in broker.lrange("celery", 0, -1)]
    assert sent == ["assets.roll_map_clusters"]  # once, not per tile
    roll_map_clusters()  # the worker takes it
    assert client.get("/tiles/asset-map/{}/{}/{}.pbf".format(*zxy)).status_code == 200
    assert broker.llen("celery") == 1  # a tile of a kept day asks nothing


def test_the_beat_rolls_the_clusters_a_minute_after_local_midnight():
    from gridwork.celery import app

    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "assets.roll_map_clusters"]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert (schedule.hour, schedule.minute) == ({0}, {1})
    assert str(app.timezone) == settings.TIME_ZONE  # crontab hours are local ones
    assert "assets.roll_map_clusters" in app.tasks
