"""The deployment runs the app's background side: compose's one-machine configuration has Redis, a worker and
exactly one beat (and so does the cluster), the beat's jobs are tasks the worker knows, and a web request that sends
a task to a broker that is down (refused, silent, not accepting) gets its answer within seconds instead of hanging.

The compose file is read as compose reads it (YAML merge keys, profiles, `${VAR:-default}` with nothing set), since
`docker compose config` is not always installed (tests/test_deployment.py runs it where it is)."""

import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker/compose.yaml"
CONFIGS = {"one machine": set(), "cluster": {"cluster"}}


def active_services(profiles):
    """The services `docker compose [--profile ...] up` starts: those without profiles and those of an enabled one.
    Each may depend only on services that start too (compose refuses the file otherwise)."""
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    active = {name: s for name, s in services.items() if not s.get("profiles") or set(s["profiles"]) & set(profiles)}
    for name, service in active.items():
        missing = set(service.get("depends_on", {})) - set(active)
        assert not missing, f"{name} depends on {missing}, not started with profiles {sorted(profiles)}"
    return active


def resolved(value):
    """A value as compose interpolates it with none of the variables set: ${VAR:-default} -> default."""
    return re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", value)


def command(service):
    cmd = service.get("command", "")
    words = cmd if isinstance(cmd, list) else shlex.split(cmd)
    return " ".join(words)


def runs_beat(service):
    """`celery ... beat`, or a worker with an embedded beat (`--beat`, `-B`)."""
    return re.search(r"\bcelery\b.*\s(beat|--beat|-B)(\s|$)", command(service)) is not None


def test_one_machine_runs_redis_a_worker_and_the_beat_and_the_app_uses_that_redis():
    services = active_services(CONFIGS["one machine"])
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    assert services["redis"]["image"].startswith("redis:") and "healthcheck" in services["redis"]
    assert re.search(r"\bcelery -A gridwork worker\b", command(services["worker"]))
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert resolved(env["GRIDWORK_REDIS_URL"]).startswith("redis://redis:6379/"), name  # the broker
        assert resolved(env["GRIDWORK_CACHE_URL"]).startswith("redis://redis:6379/"), name  # the shared cache
        assert resolved(env["GRIDWORK_REDIS_URL"]) != resolved(env["GRIDWORK_CACHE_URL"])  # cache keys apart
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert env["DATABASE_URL"] == services["web"]["environment"]["DATABASE_URL"], name
        assert "media:/data/media" in services[name]["volumes"], name  # photos are re-encoded where web keeps them
    # the worker and the beat start on a migrated database: once web (which migrates) answers
    for name in ("worker", "beat"):
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy", name
        assert "ports" not in services[name] and "migrate" not in command(services[name]), name
    assert "container_name" not in services["worker"]  # --scale worker=N


@pytest.mark.parametrize("config", CONFIGS)
def test_exactly_one_beat_in_each_configuration(config):
    services = active_services(CONFIGS[config])
    beats = [name for name, s in services.items() if runs_beat(s)]
    assert beats == ["beat"], beats
    beat = services["beat"]
    # never more than one: compose refuses to scale a service with a fixed container name; no replicas asked for
    assert beat.get("container_name") and beat.get("deploy", {}).get("replicas", 1) == 1
    assert resolved(beat["environment"]["GRIDWORK_REDIS_URL"]) == resolved(
        services["worker"]["environment"]["GRIDWORK_REDIS_URL"]
    )  # it queues where the workers take


def test_every_beat_job_is_a_task_of_the_beats_app_and_named_in_the_compose_file():
    beat = active_services(CONFIGS["one machine"])["beat"]
    module = re.search(r"celery -A (\S+)", command(beat)).group(1)
    assert module == "gridwork"
    from gridwork.celery import app

    app.loader.import_default_modules()  # what `celery -A gridwork beat|worker` imports: every app's tasks module
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule
    unknown = {entry["task"] for entry in schedule.values()} - set(app.tasks)
    assert not unknown, f"beat entries of no registered task: {unknown}"
    # the beat's comment says what it runs
    text = COMPOSE.read_text()
    beat_comment = text[text.index("\n  beat:") : text.index("container_name: gridwork-beat")]
    assert all(entry["task"] in beat_comment for entry in schedule.values())


# --- a broker that is down -----------------------------------------------------------------------------------------

# How the web code sends: cogov's dashboard and layers' views (retry=False), cases' photos and the map's roll
# request (one connection, no reconnecting), a plain call with the publish retry policy (`.delay()`, the beat).
SEND = """
import os, sys, time
import django
django.setup()
from kombu.exceptions import OperationalError
from cogov.tasks import refresh_summaries
from gridwork.celery import app

def once():
    refresh_summaries.apply_async(retry=False)

def one_connection():
    with app.connection_for_write(transport_options={"max_retries": 0}) as connection:
        refresh_summaries.apply_async(retry=False, connection=connection)

def with_policy():
    refresh_summaries.apply_async()

for send in (once, one_connection, with_policy):
    started = time.monotonic()
    try:
        send()
        outcome = "sent"
    except OperationalError:
        outcome = "refused"
    print(send.__name__, outcome, round(time.monotonic() - started, 2), flush=True)
"""


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


class Broker:
    """A loopback "broker" that is up but broken: `silent` accepts connections and never answers (a hung server, a
    half-open connection); `full` never accepts (its backlog filled), so a connection attempt waits like one to a
    host that does not answer."""

    def __init__(self, kind):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.held, self.stop = [], threading.Event()
        if kind == "silent":
            self.sock.listen(16)
            self.sock.settimeout(0.2)
            self.thread = threading.Thread(target=self.accept, daemon=True)
            self.thread.start()
        else:
            self.sock.listen(0)
            for _ in range(3):  # fill the accept queue; further SYNs are dropped
                c = socket.socket()
                c.setblocking(False)
                c.connect_ex(("127.0.0.1", self.port))
                self.held.append(c)
            time.sleep(0.2)

    def accept(self):
        while not self.stop.is_set():
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                pass

    def close(self):
        self.stop.set()
        for c in self.held:
            c.close()
        self.sock.close()


@pytest.mark.parametrize(
    "broker, limit_s",
    [("refused", 3), ("silent", 8), ("full", 5)],
    ids=["connection refused", "accepts and never answers", "never accepts"],
)
def test_a_task_sent_to_a_broker_that_is_down_is_refused_within_seconds(broker, limit_s):
    server = None if broker == "refused" else Broker(broker)
    port = closed_port() if server is None else server.port
    env = {**os.environ, "GRIDWORK_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    try:
        out = subprocess.run(
            [sys.executable, "-c", SEND], cwd=ROOT, env=env, capture_output=True, text=True, timeout=45
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"a send to the {broker} broker hangs: {exc.stdout!r}")
    finally:
        if server:
            server.close()
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [line.split() for line in out.stdout.splitlines()]
    assert [name for name, *_ in lines] == ["once", "one_connection", "with_policy"], out.stdout
    for name, outcome, seconds in lines:
        # raised (each caller logs and goes on: the sweep, the direct grouping, the records), and soon
        assert outcome == "refused" and float(seconds) < limit_s, (name, outcome, seconds)


def test_an_empty_redis_url_leaves_the_broker_on_redis():
    """GRIDWORK_REDIS_URL= (as compose passes an unset variable with a `:-` default of nothing) is not Celery's own
    default broker, AMQP on localhost: the app still sends to Redis."""
    code = "import django; django.setup(); from gridwork.celery import app; print(app.conf.broker_url)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "GRIDWORK_REDIS_URL": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().startswith("redis://"), out.stdout
