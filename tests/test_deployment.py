"""Deployment files: the compose file is well formed and points at the Dockerfile; production settings pass
Django's deployment checks."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_file_describes_web_and_postgis():
    compose = yaml.safe_load((ROOT / "docker/compose.yaml").read_text())
    services = compose["services"]
    # one machine: the app with its worker and beat (tests/test_deployment_worker.py)
    assert {name for name, s in services.items() if not s.get("profiles")} == {"db", "redis", "web", "worker", "beat"}
    web = services["web"]
    dockerfile = ROOT / "docker" / web["build"]["context"] / web["build"]["dockerfile"]
    assert dockerfile.resolve() == (ROOT / "docker/Dockerfile").resolve() and dockerfile.exists()
    assert web["environment"]["DATABASE_URL"].startswith("postgis://")
    assert services["db"]["image"].startswith("postgis/postgis:")
    assert {"pgdata", "media"} <= set(compose["volumes"])


def test_compose_cluster_profile_has_a_replica_nodes_and_a_caching_proxy():
    compose = yaml.safe_load((ROOT / "docker/compose.yaml").read_text())
    services = compose["services"]
    cluster = {name for name, s in services.items() if "cluster" in s.get("profiles", [])}
    assert cluster == {"replica", "node", "proxy"}  # besides the one machine's services; workers by --scale
    assert "beat" in services["beat"]["command"] and "deploy" not in services["beat"]  # one beat, never replicated
    # every app container keeps media in the same place: the shared volume, or the object store GRIDWORK_MEDIA_URL names
    for name in ("web", "node", "worker", "beat"):
        env = services[name]["environment"]
        assert {"GRIDWORK_MEDIA_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(env), name
        assert "media:/data/media" in services[name]["volumes"], name
    # nodes and workers scale (--scale node=N): no fixed name or host port; they share the media volume and Redis
    for name in ("node", "worker"):
        s = services[name]
        assert "container_name" not in s and "ports" not in s
        assert "media:/data/media" in s["volumes"]
        env = s["environment"]
        assert env["GRIDWORK_REDIS_URL"] == "${GRIDWORK_REDIS_URL:-redis://redis:6379/0}"
        assert env["DATABASE_URL"] == services["web"]["environment"]["DATABASE_URL"]
    # the nodes read from the replica; web and the workers when docker/.env names it (README, "Compose")
    assert "@replica:" in services["node"]["environment"]["DATABASE_REPLICA_URL"]
    for name in ("web", "worker"):
        assert services[name]["environment"]["DATABASE_REPLICA_URL"] == "${DATABASE_REPLICA_URL:-}", name
    assert "migrate" not in " ".join(services["node"]["command"])  # only web migrates
    assert services["node"]["depends_on"]["web"]["condition"] == "service_healthy"
    # the replica is a copy of db by pg_basebackup -R, streaming as a hot standby; db lets the replicator in
    script = (ROOT / "docker" / services["replica"]["volumes"][1].split(":")[0]).read_text()
    assert "pg_basebackup" in script and " -R " in script and "hot_standby=on" in script
    init = (ROOT / "docker" / services["db"]["volumes"][1].split(":")[0]).read_text()
    assert "REPLICATION" in init and "host replication replicator" in init
    # the proxy keeps vector tiles and revalidates them by ETag
    conf = (ROOT / "docker" / services["proxy"]["volumes"][0].split(":")[0]).read_text()
    assert "proxy_cache_revalidate on;" in conf and "location /tiles/" in conf
    assert "server web:8000;" in conf and "server node:8000;" in conf


def test_compose_defaults_hold_no_braces():
    """Compose ends a `${VAR:-default}` at the first `}`: a default with braces (a tile URL's {z}/{x}/{y}) would reach
    the app cut (https://tile.openstreetmap.org/{z/{x}/{y}.png})."""
    text = (ROOT / "docker/compose.yaml").read_text()
    code = "\n".join(line.split(" #")[0] for line in text.splitlines() if not line.lstrip().startswith("#"))
    for match in re.finditer(r"(?<!\$)\$\{\w+:?[-?]", code):
        rest = code[match.end() :]
        default = rest[: rest.index("}")]
        assert "{" not in default, code[match.start() : match.end() + len(default) + 1]
    assert re.search(r"^\s+GRIDWORK_TILES_URL:\s*$", text, re.M)  # passed on when set, else the app's default


def test_docker_compose_validates_the_cluster_profile():
    try:
        found = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True).returncode == 0
    except FileNotFoundError:
        found = False
    if not found:
        pytest.skip("the docker compose plugin is not installed: `docker compose config` cannot validate the file")
    env = {**os.environ, "DJANGO_SECRET_KEY": "check-only", "POSTGRES_PASSWORD": "check-only"}
    for args in ([], ["--profile", "cluster"]):
        out = subprocess.run(
            ["docker", "compose", "-f", str(ROOT / "docker/compose.yaml"), *args, "config", "--quiet"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr


def test_production_settings_pass_deploy_checks():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "gridwork.settings.prod",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-for-the-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "gridwork.example.org",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_variable_a_service_command_reads_is_in_its_environment():
    """A `$${VAR}` in a command is read by the container's shell: without VAR in the service's environment a value
    set in docker/.env never reaches it (the worker's concurrency, the nodes' gunicorn workers)."""
    compose = yaml.safe_load((ROOT / "docker/compose.yaml").read_text())
    checked = 0
    for name, service in compose["services"].items():
        command = service.get("command") or []
        text = command if isinstance(command, str) else " ".join(command)
        for var in re.findall(r"\$\$\{(\w+)", text):
            assert var in (service.get("environment") or {}), f"{name}: {var}"
            checked += 1
    assert checked >= 2
