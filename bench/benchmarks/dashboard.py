"""The managers' dashboard page per level (district, street, community, grid cell) under gunicorn: p50/p95 latency.
Case figures join the page through the dashboard's providers once the cases app offers them."""

import os
import random
import time

from django.apps import apps
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from bench.harness import Benchmark, Figure, Limit
from bench.server import Client, percentile

LEVELS = [
    ("district", "grids.District"),
    ("street", "grids.Street"),
    ("community", "grids.Community"),
    ("cell", "grids.GridCell"),
]
# Pages per level and run, never more than the level has units (one district page at 1M households took minutes).
REQUESTS = {"tiny": 3, "small": 10}  # 10 at larger scales


def signed_in_session():
    """A session of an administrator of the benchmark city (the dashboard is for staff), as its session key."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench-dashboard", defaults={"is_superuser": True, "is_staff": True}
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


class Dashboard(Benchmark):
    id = "dashboard"
    title = "Dashboard page per level"
    target = "p95 < 500 ms per level"
    figures = [
        *(
            Figure(f"{lvl}_{q}", "ms", f"{lvl} page {q}, first view (computed)")
            for lvl, _m in LEVELS
            for q in ("p50", "p95")
        ),
        *(Figure(f"{lvl}_cached_p95", "ms", f"{lvl} page p95, repeat view (cached figures)") for lvl, _m in LEVELS),
    ]
    limits = [Limit(f"{lvl}_p95", 500.0, "le") for lvl, _m in LEVELS]

    def unavailable(self, ctx):
        if not apps.is_installed("cogov"):
            return "the dashboard (cogov) is not installed"
        try:
            reverse("cogov:dashboard", args=["district", 1])
        except NoReverseMatch:
            return "no dashboard page"
        return None

    def setup(self, ctx):
        self.server = ctx.server()
        self.headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={signed_in_session()}"}
        self.n = REQUESTS.get(ctx.scale, 10)
        self.ids = {lvl: list(apps.get_model(label).objects.values_list("id", flat=True)) for lvl, label in LEVELS}
        self.sizes = {}
        # What the worker's beat does beside the app every 30 s (cogov.refresh_summaries): the writes of the
        # benchmarks before this one (the intake's cases) are brought into the kept summaries, as they would be before
        # anyone views them. The harness runs no worker.
        from common import dashboard

        t = time.perf_counter()
        self.pending = {s.key: s.pending() for s in dashboard.summaries()}
        dashboard.refresh_summaries()
        self.refresh_s = round(time.perf_counter() - t, 2)

    def _forget(self):
        """Empty the app's shared cache (the Redis database of GRIDWORK_CACHE_URL), so first views are computed."""
        url = os.environ.get("GRIDWORK_CACHE_URL")
        if url and settings.DASHBOARD_CACHE_SECONDS > 0:
            import redis

            redis.Redis.from_url(url).flushdb()

    def run(self, ctx, index):
        rng = random.Random(ctx.seed + index)
        client = Client(self.server.port, timeout=900)
        self._forget()
        out = {}
        for level, _label in LEVELS:
            first, again, size = [], [], 0
            ids = self.ids[level]
            picks = rng.sample(ids, min(self.n, len(ids)))
            for pk in picks:
                for times in (first, again):
                    t = time.perf_counter()
                    status, body = client.get(reverse("cogov:dashboard", args=[level, pk]), self.headers)
                    times.append((time.perf_counter() - t) * 1000)
                    if status != 200:
                        raise RuntimeError(f"{level} {pk} answered {status}")
                size += len(body)
            out[f"{level}_p50"], out[f"{level}_p95"] = percentile(first, 50), percentile(first, 95)
            out[f"{level}_cached_p95"] = percentile(again, 95)
            self.sizes[level] = size // len(picks)
        client.close()
        return out

    def notes(self, ctx):
        units = {lvl: len(ids) for lvl, ids in self.ids.items()}
        return {
            "pages_per_level_and_run": self.n,
            "mean_page_bytes": self.sizes,
            "units": units,
            "summaries_refreshed_first": {"pending": self.pending, "seconds": self.refresh_s},
            "cache": os.environ.get("GRIDWORK_CACHE_URL") or "per-process (first and repeat views may both compute)",
        }
