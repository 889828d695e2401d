"""Warmed gunicorn workers (gunicorn.conf.py, gridwork/warmup.py): the master loads and warms the application before
it forks, so a worker's first request does not import the URLconf, fill URL resolvers, compile templates or read
catalogues; a real gunicorn with the project's config starts, says it warmed, and serves a signed-in page."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connections
from django.template import engines
from django.urls import reverse
from django.urls.resolvers import URLResolver
from django.utils import translation
from django.utils.translation import trans_real

from bench.server import free_port
from gridwork import warmup

ROOT = Path(settings.BASE_DIR)


def test_warm_leaves_nothing_to_build_lazily_and_no_connection_to_share(monkeypatch):
    found = warmup.warm()
    assert found["templates"] > 50 and found["modules"] > 50 and found["languages"] == ["zh-hans", "en"]
    assert all(c.connection is None for c in connections.all())  # the forked workers must not share one
    assert {"zh-hans", "en"} <= set(trans_real._translations)

    def refuse(self):
        raise AssertionError(f"{self} built its reverse dictionary after warm()")

    monkeypatch.setattr(URLResolver, "_populate", refuse)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert reverse("cogov:dashboard", args=["district", 1]).endswith("/cogov/dashboard/district/1/")
            reverse("cases:list")
            reverse("home")
    # compiled once: the cached loader hands back the same template object
    engine = engines["django"].engine
    assert engine.get_template("cogov/dashboard.html") is engine.get_template("cogov/dashboard.html")


@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_the_project_config_warms_and_serves(tmp_path):
    db = connections["default"].settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_REPLICA_URL")},
        "DJANGO_SETTINGS_MODULE": "gridwork.settings.dev",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"postgis://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "gridwork.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "1", "--log-level", "info", "--graceful-timeout", "2"],
            cwd=ROOT,  # gunicorn reads ./gunicorn.conf.py
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        text = log.read_text()
        assert "warmed:" in text and "no database connection" not in text, text
        answer = requests.get(f"http://127.0.0.1:{port}/cogov/dashboard/district/1/", allow_redirects=False, timeout=60)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]  # the full stack answers
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.django_db(transaction=True)
def test_a_worker_connection_has_postgis_loaded_before_its_first_request():
    """connect() leaves the server session with PostGIS's PROJ context made (the first transformation of a session
    pays for it), so a worker's first tile does not."""
    connections["default"].close()
    warmup.connect()
    with connections["default"].cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_backend_memory_contexts WHERE name = 'Proj Context'")
        assert cur.fetchone()[0] == 1
