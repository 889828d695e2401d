"""The project under gunicorn on the benchmark database, and a small keep-alive HTTP client that times requests."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with `workers` sync workers, production-like: DEBUG off, and by default gunicorn's own advice
    for the number of workers, 2 × cores + 1 (the deployment image's default too), so that one worker's database
    wait is another's turn on the CPU."""

    def __init__(self, database_url, workers=None, settings=None, env=None):
        self.database_url = database_url
        self.env = env or {}  # more environment for the app (e.g. DATABASE_REPLICA_URL)
        self.workers = workers or 2 * (os.cpu_count() or 1) + 1
        # The caller's settings (the test settings under pytest), dev settings with DEBUG off otherwise.
        self.settings = settings or os.environ.get("DJANGO_SETTINGS_MODULE", "gridwork.settings.dev")
        self.port = free_port()
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=180):  # the master loads and warms the app before the first worker (gunicorn.conf.py)
        env = os.environ | {
            "DATABASE_URL": self.database_url,
            "DJANGO_SETTINGS_MODULE": self.settings,
            "DJANGO_DEBUG": "0",
            "DATABASE_CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING",
        }
        env.update(self.env)
        self.log = open(ROOT / ".local" / f"bench-gunicorn-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "gridwork.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--keep-alive",
                "30",
                "--timeout",
                "900",  # slow pages are measured, not killed
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log.name}")
            try:
                status, _body = Client(self.port).get("/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log.name}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()


class Client:
    """One keep-alive connection; get() returns (status, body) and reconnects when the server closed it."""

    def __init__(self, port, host="127.0.0.1", timeout=60):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def get(self, path, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("GET", path, headers=headers or {})
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def timed_get(self, path, headers=None):
        t = time.perf_counter()
        status, body = self.get(path, headers)
        return time.perf_counter() - t, status, body

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def percentile(values, q):
    """The q-th percentile (0-100) by linear interpolation, like numpy's default."""
    xs = sorted(values)
    if not xs:
        return None
    k = (len(xs) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def run_clients(count, worker):
    """Run worker(0) … worker(count - 1) at once, each in its own thread; the seconds until all have finished."""
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(count)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start
