"""The benchmark server serves the static files as they are in the sources: they are collected before it starts.

The server (gunicorn with WhiteNoise, DEBUG off) reads the collected files' sizes once, when it starts; a file
collected after that was served cut to its old size (a page's script ending mid-statement, and a benchmark waiting
on that page for its 300 s)."""

from pathlib import Path

import pytest
from django.conf import settings

from bench.harness import Context, current_database_url
from bench.server import Client

pytestmark = pytest.mark.django_db
SOURCE = Path(settings.BASE_DIR) / "static" / "js" / "field-queue.js"


def test_the_benchmark_server_serves_the_current_static_files(tmp_path, monkeypatch, settings):
    # An empty folder for the collected files, for this process (collectstatic) and the server's (its environment).
    monkeypatch.setenv("STATIC_ROOT", str(tmp_path))
    settings.STATIC_ROOT = tmp_path
    ctx = Context(database_url=current_database_url(), scale="tiny", seed=1, repeat=1)
    try:
        server = ctx.server()
        status, body = Client(server.port).get("/static/js/field-queue.js")
    finally:
        ctx.close()
    assert status == 200 and body == SOURCE.read_bytes()
