"""The field workspace (/field/) in Debian's Chromium (Playwright), on a phone (390 × 844):

- sync: a grid worker of the benchmark city opens the workspace with a network, loses it, queues N reports through
  the page's own queue (what the report button does), gets the network back; timed from the network's return until
  the queue shows 0 and the N cases exist (items per second);
- first paint: the first paint and first contentful paint of /field/ and of the report page /cases/report/ on a
  throttled phone (Chrome's "Slow 3G" network, 2 s round trip and 50 kB/s each way, and a 4× slower CPU, set
  through the DevTools protocol), each in a fresh browser context: a first visit, nothing kept by the service worker.

Nothing leaves the machine: anything not served by the app (base-map tiles) is refused.
"""

import threading
import time
import uuid

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from bench.harness import Benchmark, Figure
from bench.server import percentile
from common.testing import CHROMIUM, CHROMIUM_ARGS, browser_missing

ITEMS = {"tiny": 10}  # reports queued per run; 200 at larger scales
PAINTS = {"tiny": 1, "small": 3}  # throttled loads of each page per run; 5 at larger scales
# Chrome DevTools' "Slow 3G" preset (throughput in bytes per second, latency in ms).
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
CPU_SLOWDOWN = 4
WAIT_MS = 300_000  # generous: conditions are waited on, never timed against

# The reports, made as the report button makes them: the k-th in the k-th cell (round the city), with the next
# category each time round, so that none is the same report sent twice (same reporter, category and place within
# minutes), which the server would answer with the first one.
QUEUE = """([reports, places]) => {
  const cfg = gridwork.readJSON('field-config');
  const codes = cfg.categories.map((c) => c.code);
  return reports.reduce((done, r, k) => done.then(() => {
    const [lon, lat] = places[k % places.length];
    const category = codes[Math.floor(k / places.length) % codes.length];
    const fields = { client_id: r, category: category, lon: lon, lat: lat, description: 'bench ' + k };
    return window.gridworkField.enqueue({ id: r, kind: 'report', url: cfg.urls.report, fields: fields, files: [],
                                          label: category });
  }), Promise.resolve());
}"""
PAINTED = """() => performance.getEntriesByType('paint').some((e) => e.name === 'first-contentful-paint')"""
# The report requests made after the network came back (the ones tried offline fail at once and are left out).
POSTS = """(since) => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/field/api/report/') && e.startTime >= since)
  .map((e) => e.responseEnd - e.startTime)"""
PAINT_TIMES = """() => Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]))"""
# What the page and its queue were doing when a wait ran out (said in the error, with the page's last events).
STALLED = """async () => {
  const out = { at: Date.now(), onLine: navigator.onLine, visibility: document.visibilityState,
                controlled: !!(navigator.serviceWorker && navigator.serviceWorker.controller),
                loaded: document.body && document.body.dataset.loaded,
                count: (document.getElementById('queue-count') || { dataset: {} }).dataset.count,
                paints: performance.getEntriesByType('paint').map((e) => e.name) };
  try {
    out.queue = window.gridworkField && window.gridworkField.state ? window.gridworkField.state() : null;
    const db = await idb.openDB('gridwork-field', 1);
    out.items = (await db.getAll('queue')).map((i) => ({ id: i.id.slice(0, 8), attempts: i.attempts,
                                                        dueInMs: i.nextAt ? i.nextAt - Date.now() : 0 }));
    out.done = (await db.getAll('done')).length;
  } catch (e) { out.error = String(e); }
  return out;
}"""


def worker_session(run):
    """A grid worker of the benchmark city who has reported nothing in the last minutes (a different one per run,
    also from one invocation of the benchmark to the next, so that a run's reports are never taken for duplicates
    of an earlier run's: the same reporter, category and place within minutes), signed in: (user, session key)."""
    from datetime import timedelta
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from cases.services import EXACT_DUPLICATE_MINUTES

    GridAssignment = apps.get_model("grids.GridAssignment")
    Case = apps.get_model("cases.Case")
    held = GridAssignment.objects.filter(end__isnull=True).select_related("worker").order_by("id")
    since = timezone.now() - timedelta(minutes=EXACT_DUPLICATE_MINUTES + 1)
    recent = Case.objects.filter(created_at__gte=since, reporter__isnull=False).values("reporter")
    fresh = held.exclude(worker__in=recent)
    user = (fresh.first() or held[run % held.count()]).worker
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return user, session.session_key


def places():
    """A point inside every grid cell of the city, (lon, lat)."""
    GridCell = apps.get_model("grids.GridCell")
    return [
        (round(c.x, 6), round(c.y, 6))
        for c in (cell.boundary.point_on_surface for cell in GridCell.objects.order_by("id"))
    ]


class FieldWorkspace(Benchmark):
    id = "field"
    title = "Field workspace: sync of queued reports after reconnecting; throttled first paint (Chromium, phone)"
    target = "(none set: measured)"
    figures = [
        Figure("sync_items_per_s", "items/s", "network back → queue empty and every case made"),
        Figure("sync_s", "s", "network back → queue empty and every case made"),
        Figure("field_fcp", "ms", "/field/ first contentful paint, Slow 3G + CPU 4×, median"),
        Figure("field_fp", "ms", "/field/ first paint, Slow 3G + CPU 4×, median"),
        Figure("report_fcp", "ms", "/cases/report/ first contentful paint, Slow 3G + CPU 4×, median"),
        Figure("report_fp", "ms", "/cases/report/ first paint, Slow 3G + CPU 4×, median"),
    ]

    def unavailable(self, ctx):
        if not apps.is_installed("field") or not apps.is_installed("cases"):
            return "the field app is not installed"
        try:
            reverse("field:workspace")
            reverse("cases:report")
        except NoReverseMatch:
            return "no field workspace"
        return browser_missing()

    def setup(self, ctx):
        # The server (DEBUG off) serves the collected static files: ctx.server() collects them from the sources
        # before it starts (collected after, a changed script was served cut to its old size and the page stalled).
        from django.core.management import call_command

        # The role groups, as every installation has them (./dev runs setup_roles): without them each request of
        # the sync expanded every role's permissions from the role specs (7 queries and ~800 permission rows read
        # per request, two thirds of its time), which measured a set-up no deployment has.
        call_command("setup_roles", verbosity=0)
        self.server = ctx.server()
        self.items = ITEMS.get(ctx.scale, 200)
        self.paints = PAINTS.get(ctx.scale, 5)
        self.places = places()
        self.made = []

    # --- in a thread of its own: Playwright's sync API cannot start in a thread that already runs one ---------------
    def _browse(self, out, session, reports):
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    out["sync"] = self._sync(browser, session, reports)
                    out["paints"] = {
                        name: [self._paint(browser, session, url) for _ in range(self.paints)]
                        for name, url in (("field", reverse("field:workspace")), ("report", reverse("cases:report")))
                    }
                finally:
                    browser.close()
        except Exception as exc:  # reported by run() in the harness's thread
            out["error"] = exc

    @staticmethod
    def _watch(page):
        """The page's console, errors and requests, timed from now: a list of lines, for the report of a stall."""
        t0 = time.monotonic()
        events = []

        def note(text):
            events.append(f"{time.monotonic() - t0:8.2f} s {text}")

        page.on("console", lambda m: note(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: note(f"page error: {e}"))
        page.on("request", lambda r: note(f"request {r.method} {r.url}"))
        page.on("requestfinished", lambda r: note(f"finished {r.method} {r.url}"))
        page.on("requestfailed", lambda r: note(f"failed {r.method} {r.url}: {r.failure}"))
        page.on("response", lambda r: note(f"response {r.status} {r.request.method} {r.url}"))
        page.context.on("serviceworker", lambda w: note(f"service worker {w.url}"))
        return events

    @staticmethod
    def _wait(page, events, what, expression, **kwargs):
        """page.wait_for_function, and when it runs out: what the page and its queue were doing, and its last
        events, in the error."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            page.wait_for_function(expression, timeout=WAIT_MS, **kwargs)
        except PlaywrightTimeout as exc:
            try:
                state = page.evaluate(STALLED)
            except Exception as inner:  # noqa: BLE001 - the page may be gone; the events still tell
                state = f"(not readable: {inner})"
            last = "\n".join(events[-80:])
            raise RuntimeError(
                f"{what}: not within {WAIT_MS / 1000:.0f} s; page: {state}; last events:\n{last}"
            ) from exc

    def _context(self, browser, session):
        from django.conf import settings

        context = browser.new_context(
            locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.server.base}])
        local = self.server.base
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local) else route.abort())
        return context

    def _sync(self, browser, session, reports):
        context = self._context(browser, session)
        page = context.new_page()
        events = self._watch(page)
        try:
            page.goto(self.server.base + reverse("field:workspace"), timeout=WAIT_MS)
            self._wait(
                page, events, "workspace loaded", "() => document.body.dataset.loaded === '1' && window.gridworkField"
            )
            context.set_offline(True)
            self._wait(page, events, "offline", "() => !navigator.onLine")
            page.evaluate(QUEUE, [reports, self.places])
            self._wait(
                page,
                events,
                "queue filled",
                f"() => document.getElementById('queue-count').dataset.count === '{len(reports)}'",
            )
            page.evaluate("() => performance.setResourceTimingBufferSize(100000)")  # every request is kept
            since = page.evaluate("() => performance.now()")
            started = time.perf_counter()
            context.set_offline(False)
            self._wait(
                page,
                events,
                "queue emptied after reconnecting",
                "() => document.getElementById('queue-count').dataset.count === '0'",
                polling=50,
            )
            took = time.perf_counter() - started
            refused = page.locator("#outbox li.refused").count()
            posts = page.evaluate(POSTS, since)
        finally:
            context.close()
        return took, refused, posts

    def _paint(self, browser, session, path):
        context = self._context(browser, session)
        page = context.new_page()
        events = self._watch(page)
        try:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
            page.goto(self.server.base + path, wait_until="commit", timeout=WAIT_MS)
            self._wait(page, events, f"first paint of {path}", PAINTED, polling=100)
            times = page.evaluate(PAINT_TIMES)
        finally:
            context.close()
        return times

    def run(self, ctx, index):
        Case = apps.get_model("cases.Case")
        user, session = worker_session(index)
        ids = [str(uuid.uuid4()) for _ in range(self.items)]
        out = {}
        worker = threading.Thread(target=self._browse, args=(out, session, ids))
        worker.start()
        worker.join()
        if "error" in out:
            raise out["error"]
        took, refused, posts = out["sync"]
        made = Case.objects.filter(client_id__in=ids, reporter=user).count()
        self.made.append(
            {
                "queued": self.items,
                "cases": made,
                "refused": refused,
                # each report's request after the network came back, as the page saw it (server and transfer)
                "post_ms_median": round(percentile(posts, 50), 1) if posts else None,
                "post_ms_sum_s": round(sum(posts) / 1000, 2),
                "posts_timed": len(posts),
            }
        )
        if made != self.items:
            raise RuntimeError(f"{made} of {self.items} queued reports became cases ({refused} refused)")
        paints = out["paints"]

        def median(name, entry):
            return percentile([p.get(entry, 0.0) for p in paints[name]], 50)

        return {
            "sync_items_per_s": self.items / took,
            "sync_s": took,
            "field_fcp": median("field", "first-contentful-paint"),
            "field_fp": median("field", "first-paint"),
            "report_fcp": median("report", "first-contentful-paint"),
            "report_fp": median("report", "first-paint"),
        }

    def notes(self, ctx):
        return {
            "items_per_run": self.items,
            "runs": self.made,
            "throttled_loads_per_page": self.paints,
            "network": SLOW_3G,
            "cpu_slowdown": CPU_SLOWDOWN,
            "phone": "390 × 844, touch, zh-CN; a fresh context per throttled load (no service worker yet)",
        }
