"""Peers the benchmarks compare against (tipg, rasterstats), in a virtual environment of their own under
.local/bench-peers, installed from bench/peers.txt on first use: they are measured, never imported by the project."""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.server import Client, free_port

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".local" / "bench-peers"
REQUIREMENTS = Path(__file__).resolve().parent / "peers.txt"


def ensure_peers():
    """The peers' Python, installing them when missing or when peers.txt changed; raises RuntimeError if it fails."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".peers-sha"
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return python
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"could not install the peer servers from {REQUIREMENTS.name}: {exc}") from exc
    stamp.write_text(want)
    return python


class Tipg:
    """tipg (OGC Features and Tiles API for PostGIS) under uvicorn, serving the given tables of the database."""

    def __init__(self, database_url, tables, workers=None):
        self.database_url = database_url.replace("postgis://", "postgresql://", 1)
        self.tables = tables
        self.workers = workers or os.cpu_count() or 2
        self.port = free_port()
        self.proc = None

    def start(self, timeout=90):
        python = ensure_peers()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "DATABASE_URL": self.database_url,
            "TIPG_DB_SCHEMAS": '["public"]',
            "TIPG_DB_TABLES": "[" + ",".join(f'"public.{t}"' for t in self.tables) + "]",
            "TIPG_DB_FUNCTIONS": "[]",
        }
        self.log = open(ROOT / ".local" / f"bench-tipg-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                str(python),
                "-m",
                "uvicorn",
                "tipg.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
            ],  # fmt: skip
            cwd="/tmp",
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tipg exited with {self.proc.returncode}; see {self.log.name}")
            try:
                status, _body = Client(self.port).get("/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"tipg did not answer within {timeout} s; see {self.log.name}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
