"""Reads from a real streaming standby: started by `./dev replica` on a port of its own, after the test database
exists on the primary (the standby copies the whole cluster, then streams what the tests write)."""

import math
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import mapbox_vector_tile
import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases.models import Case, Category, Open311Client
from cases.tests.factories import place, report
from grids.tests.factories import point
from gridwork import replica
from layers.tests.test_lean_tiles import wsgi  # noqa: F401 (fixture: the WSGI application as gunicorn calls it)

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ROOT = Path(settings.BASE_DIR)
REPLICA = replica.REPLICA
ON_REPLICA = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Standby:
    port: int
    url: str
    env: dict

    def dev(self, *args):
        done = subprocess.run(
            [str(ROOT / "dev"), "replica", *args], env=self.env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"./dev replica {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self):
        out = self.dev("start")
        self.url = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("DATABASE_REPLICA_URL="))

    def stop(self):
        self.dev("stop")


@pytest.fixture(scope="session")
def standby(django_db_setup):
    """A hot standby of the test cluster, made by the same code as `./dev replica`, dropped after the session."""
    if not (PG_BIN / "pg_basebackup").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL 15 server binaries are not installed ({PG_BIN}): no standby can be started")
    primary = connections["default"].settings_dict  # the test database, created on the primary by now
    auth = primary["USER"] + (f":{primary['PASSWORD']}" if primary["PASSWORD"] else "")
    where = f"{primary['HOST'] or '127.0.0.1'}:{primary['PORT'] or 5432}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{auth}@{where}/{primary['NAME']}",
        "GRIDWORK_REPLICA_NAME": f"test-{primary['NAME']}",
        "GRIDWORK_REPLICA_PORT": str(free_port()),
    }
    s = Standby(port=int(env["GRIDWORK_REPLICA_PORT"]), url="", env=env)
    s.dev("drop")
    s.start()
    yield s
    s.dev("drop")


@pytest.fixture(scope="module")
def replica_alias(standby):
    """The `replica` alias pointing at the standby's copy of the test database, for this module's tests."""
    parsed = dj_database_url.parse(standby.url)
    primary = connections["default"].settings_dict
    connections.settings[REPLICA] = {
        **primary,
        "HOST": parsed["HOST"],
        "PORT": parsed["PORT"],
        "NAME": parsed["NAME"],
        "OPTIONS": {**primary["OPTIONS"], "connect_timeout": 2},
        "TEST": {**primary["TEST"], "MIRROR": "default"},  # created and flushed as the primary's copy
    }
    replica.forget()
    yield standby
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]
    replica.forget()


def one(alias, sql, params=()):
    with connections[alias].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def replayed(timeout=60):
    """Waits until the standby has replayed everything written on the primary so far."""
    (lsn,) = one("default", "SELECT pg_current_wal_insert_lsn()::text")
    deadline = time.monotonic() + timeout
    while not one(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0]:
        assert time.monotonic() < deadline, f"the standby did not replay up to {lsn} in {timeout} s"
        time.sleep(0.02)


def tile_of(p, z):
    n = 2**z
    return z, int((p.x + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(p.y))) / math.pi) / 2 * n)


@pytest.fixture
def hotline(django_user_model):
    place(django_user_model)
    return Open311Client.objects.create(name="市民热线")


def post_request(client, hotline, description):
    p = point(300, 200)
    data = {"api_key": hotline.api_key, "service_code": "0101", "lat": p.y, "long": p.x, "description": description}
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 201, response.content
    return response.json()[0]["service_request_id"]


@pytest.mark.django_db
def test_without_a_replica_nothing_changes(client, django_user_model):
    assert not replica.configured()
    hotline = Open311Client.objects.create(name="热线")
    place(django_user_model)
    pk = post_request(client, hotline, "井盖松动")
    response = client.get(f"/open311/v2/requests/{pk}.json")
    assert response.status_code == 200 and response.json()[0]["description"] == "井盖松动"
    assert replica.HEADER not in response and replica.PIN_COOKIE not in client.cookies


@ON_REPLICA
def test_read_only_pages_are_served_by_the_standby(replica_alias, client, hotline):
    case = report(x=300, y=200, description="路灯不亮")
    replayed()
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(f"/open311/v2/requests/{case.pk}.json")
    assert response.status_code == 200 and response[replica.HEADER] == "replica"
    assert response.json()[0]["description"] == "路灯不亮"
    assert any("cases_case" in q["sql"] for q in on_replica.captured_queries)
    # the connection the page read through is the standby's: in recovery, on the standby's port
    assert one(REPLICA, "SELECT pg_is_in_recovery(), inet_server_port()") == (True, replica_alias.port)

    # vector tiles (one raw ST_AsMVT statement) read there too
    z, x, y = tile_of(point(300, 200), 16)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        tile = client.get(f"/tiles/gridcell/{z}/{x}/{y}.pbf")
    assert tile.status_code == 200 and tile[replica.HEADER] == "replica"
    assert any("ST_AsMVT" in q["sql"] for q in on_replica.captured_queries)
    assert {f["properties"]["code"] for f in mapbox_vector_tile.decode(tile.content)["gridcell"]["features"]}

    # pages that are not read-only work stay on the primary
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get("/cases/report/").status_code == 200
    assert not on_replica.captured_queries

    state = client.get("/healthz").json()["replica"]
    assert state["usable"] and state["in_recovery"] and state["wal_receiver"] == "streaming"
    assert 0 <= state["lag_s"] <= settings.REPLICA["MAX_LAG_S"]


@ON_REPLICA
def test_a_write_and_the_next_reads_of_that_client_go_to_the_primary(replica_alias, client, hotline):
    pk = post_request(client, hotline, "下水道堵塞")
    assert replica.PIN_COOKIE in client.cookies
    # at once, before the standby has it: the client that wrote reads its own request, from the primary
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(f"/open311/v2/requests/{pk}.json")
    assert response.status_code == 200 and response[replica.HEADER] == "primary"
    assert response.json()[0]["description"] == "下水道堵塞"
    assert not on_replica.captured_queries
    # another client, once the standby has replayed the write, reads it from the standby
    replayed()
    other = Client().get(f"/open311/v2/requests/{pk}.json")
    assert other[replica.HEADER] == "replica" and other.json()[0]["description"] == "下水道堵塞"


@ON_REPLICA
def test_reads_after_a_write_in_the_same_request_go_to_the_primary(replica_alias, hotline):
    replayed()
    with replica.reads():
        assert Case.objects.all().db == REPLICA and Category.objects.all().db == REPLICA
        report(x=300, y=200, description="共享单车乱停")  # a write through the ORM
        assert Case.objects.all().db == "default" and Category.objects.all().db == "default"
        assert Case.objects.filter(description="共享单车乱停").exists()  # read at once: the primary has it


@ON_REPLICA
def test_a_standby_lagging_too_far_is_passed_over(replica_alias, client, hotline, settings):
    case = report(x=300, y=200, description="噪音扰民")
    replayed()
    settings.REPLICA = {**settings.REPLICA, "MAX_LAG_S": -1}  # any lag is too much
    replica.forget()
    response = client.get(f"/open311/v2/requests/{case.pk}.json")
    assert response.status_code == 200 and response[replica.HEADER] == "primary"
    state = client.get("/healthz").json()["replica"]
    assert state["reachable"] and not state["usable"]


@ON_REPLICA
def test_the_standby_stopping_mid_test_leaves_reads_to_the_primary(replica_alias, client, hotline, settings):
    case = report(x=300, y=200, description="树木倒伏")
    replayed()
    # the state probed before the stop still says usable: the failure is met by the page's own read
    settings.REPLICA = {**settings.REPLICA, "CHECK_S": 3600}
    replica.forget()
    url = f"/open311/v2/requests/{case.pk}.json"
    assert client.get(url)[replica.HEADER] == "replica"
    replica_alias.stop()
    try:
        for _ in range(2):  # the read that meets the failure, then one after the standby is known down
            response = client.get(url)
            assert response.status_code == 200 and response[replica.HEADER] == "primary"
            assert response.json()[0]["description"] == "树木倒伏"
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert health.json()["replica"]["reachable"] is False
    finally:
        replica_alias.start()
        replica.forget()
    assert client.get(url)[replica.HEADER] == "replica"


@ON_REPLICA
def test_lean_tile_path_reads_the_standby_too(replica_alias, client, hotline, wsgi):  # noqa: F811
    """Public tiles skip most of the middleware (layers/lean.py) but keep the replica middleware."""
    report(x=300, y=200, description="垃圾满溢")
    replayed()
    z, x, y = tile_of(point(300, 200), 16)
    path = f"/tiles/gridcell/{z}/{x}/{y}.pbf"
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        lean = wsgi(path)
    assert lean["status"] == 200 and lean["headers"][replica.HEADER] == "replica"
    assert any("ST_AsMVT" in q["sql"] for q in on_replica.captured_queries)
    assert lean["body"] == client.get(path).content
