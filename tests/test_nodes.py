"""Two web nodes: two gunicorn servers (two workers each) on one database and one Redis. The concurrency checks of
the points shop and the case workflow, raced across them, apply each change once; rate limits count across them."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils.crypto import get_random_string

from accounts.models import ROLE_GROUPS, Membership, Role
from cases.models import Case, State
from cases.tests.factories import dispatcher, place, report
from cogov import services
from cogov.models import CatalogueItem, Redemption
from cogov.tests.factories import item, rule, small_community

ROOT = Path(settings.BASE_DIR)
ROUNDS = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what, proc, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}")
        try:
            if check():
                return
        except (OSError, requests.RequestException):
            pass
        assert time.monotonic() < deadline, f"{what} did not come up in {timeout} s"
        time.sleep(0.1)


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed: the nodes need a Redis of their own")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def ping():
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    wait_for(ping, "redis-server", proc, timeout=30)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def nodes(transactional_db, redis_url, tmp_path):
    """Two gunicorn servers on the test database; their cache (sessions are in the database) is the Redis."""
    db = connections["default"].settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_REPLICA_URL")},
        "DJANGO_SETTINGS_MODULE": "gridwork.settings.dev",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"postgis://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "GRIDWORK_REDIS_URL": f"{redis_url}/0",
        "GRIDWORK_CACHE_URL": f"{redis_url}/1",
        "GRIDWORK_PUBLIC_WRITE_RATE": "3/d",
        "GRIDWORK_TILES_URL": "none",
    }
    procs, urls = [], []
    for i in range(2):
        port = free_port()
        log = open(tmp_path / f"gunicorn-{i}.log", "w")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "gridwork.wsgi:application", "--bind", f"127.0.0.1:{port}"]
                + ["--workers", "2", "--timeout", "120", "--graceful-timeout", "2", "--log-level", "warning"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    for proc, url in zip(procs, urls, strict=True):
        wait_for(lambda u=url: requests.get(f"{u}/healthz", timeout=5).status_code == 200, f"gunicorn at {url}", proc)
    yield urls
    for proc in procs:
        proc.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown (TERM waits for its workers' graceful end)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Visitor:
    """A browser's cookies: a signed-in session (in the database, so every node knows it) and a CSRF token."""

    def __init__(self, user=None):
        self.cookies = {"csrftoken": get_random_string(32)}
        if user is not None:
            c = Client()
            c.force_login(user)
            self.cookies["sessionid"] = c.cookies["sessionid"].value

    def post(self, base, path, data):
        headers = {"X-CSRFToken": self.cookies["csrftoken"], "Referer": base + "/"}
        return requests.post(
            base + path, data=data, cookies=self.cookies, headers=headers, allow_redirects=False, timeout=120
        )


def race(*posts):
    """Sends the posts (visitor, node, path, data) at the same moment, one thread each; returns their answers."""
    barrier = threading.Barrier(len(posts))
    answers = [None] * len(posts)

    def run(i, visitor, node, path, data):
        barrier.wait()
        answers[i] = visitor.post(node, path, data)

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_two_web_nodes_apply_each_change_once(nodes, django_user_model):
    a, b = nodes

    # --- points shop: two counters serve the same household at once, one on each node ---------------------------
    call_command("setup_roles", verbosity=0)
    community, homes = small_community(3 * ROUNDS, code="002", seed=5)
    staff = []
    for name in ("m1", "m2"):
        user = django_user_model.objects.create_user(name, password="x-long-password-1")
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[Role.MANAGER]))
        Membership.objects.create(user=user, role=Role.MANAGER, community=community)
        staff.append(Visitor(user))
    for r in range(ROUNDS):
        # points for one item only: the second redemption must be refused
        home = homes[r]
        services.grant(home, rule(f"gift-{home.pk}", 50), reason="开户")
        soap = item(f"肥皂{r}", price=30, stock=5)
        answers = race(
            (staff[0], a, f"/cogov/points/{home.pk}/redeem/", {"item": soap.pk, "quantity": 1}),
            (staff[1], b, f"/cogov/points/{home.pk}/redeem/", {"item": soap.pk, "quantity": 1}),
        )
        assert [x.status_code for x in answers] == [302, 302]
        assert Redemption.objects.filter(household=home).count() == 1
        assert services.balance(home) == 20 and CatalogueItem.objects.get(pk=soap.pk).stock == 4
        # one left in stock, two households with points for it
        pair = homes[ROUNDS + 2 * r], homes[ROUNDS + 2 * r + 1]
        for h in pair:
            services.grant(h, rule(f"gift-{h.pk}", 50), reason="开户")
        last = item(f"电饭煲{r}", price=40, stock=1)
        answers = race(
            (staff[0], a, f"/cogov/points/{pair[0].pk}/redeem/", {"item": last.pk, "quantity": 1}),
            (staff[1], b, f"/cogov/points/{pair[1].pk}/redeem/", {"item": last.pk, "quantity": 1}),
        )
        assert [x.status_code for x in answers] == [302, 302]
        assert Redemption.objects.filter(item=last).count() == 1 and CatalogueItem.objects.get(pk=last.pk).stock == 0
        assert sorted(services.balance(h) for h in pair) == [10, 50]

    # --- case workflow: two dispatchers take different steps on the same version, one on each node ---------------
    place(django_user_model)
    first, second = Visitor(dispatcher(django_user_model, "d1")), Visitor(dispatcher(django_user_model, "d2"))
    for r in range(ROUNDS):
        case = report(x=100 + 10 * r, y=100)
        nodes_now = (a, b) if r % 2 == 0 else (b, a)
        answers = race(
            (first, nodes_now[0], f"/cases/{case.pk}/act/register/", {"version": case.version}),
            (second, nodes_now[1], f"/cases/{case.pk}/act/reject/", {"version": case.version, "note": "不予立案"}),
        )
        assert [x.status_code for x in answers] == [302, 302]
        case.refresh_from_db()
        steps = list(case.events.exclude(action="report").values_list("action", flat=True))
        assert case.version == 2 and len(steps) == 1
        assert case.state == {"register": State.REGISTERED, "reject": State.REJECTED}[steps[0]]
    assert Case.objects.filter(version__gt=2).count() == 0

    # --- rate limits count across the nodes (Redis), not per process: 3 a day, the 4th refused on either -------------
    visitor = Visitor()
    codes = [visitor.post(node, "/cases/report/", {}).status_code for node in (a, b, a, b)]
    assert 429 not in codes[:3] and codes[3] == 429
