"""Deployment files: the compose file is well formed and points at the Dockerfile; production settings pass
Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_file_describes_web_and_postgis():
    compose = yaml.safe_load((ROOT / "docker/compose.yaml").read_text())
    assert set(compose["services"]) == {"web", "db"}
    web = compose["services"]["web"]
    dockerfile = ROOT / "docker" / web["build"]["context"] / web["build"]["dockerfile"]
    assert dockerfile.resolve() == (ROOT / "docker/Dockerfile").resolve() and dockerfile.exists()
    assert web["environment"]["DATABASE_URL"].startswith("postgis://")
    assert compose["services"]["db"]["image"].startswith("postgis/postgis:")
    assert set(compose["volumes"]) == {"pgdata", "media"}


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
