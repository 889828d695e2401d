"""A private Redis and a real Celery worker for the tests that run background jobs."""

import shutil
import socket
import subprocess
import time

import kombu.pools
import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A redis-server of this test session only, so parallel suites never take each other's jobs."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def celery_worker(redis_url, settings, transactional_db):
    """A Celery worker (solo pool, in a thread of this process) consuming from the private Redis."""
    from celery.contrib.testing.worker import start_worker

    from gridwork.celery import app
    from layers import progress

    settings.CELERY_BROKER_URL = redis_url
    app.conf.broker_url = redis_url
    fresh_connections(app)
    progress.reset()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker
    fresh_connections(app)
    progress.reset()


def fresh_connections(app):
    """Drop the app's connection and producer pools (a stopped worker closes them; a new URL needs new ones)."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the site's default language is Simplified Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield
