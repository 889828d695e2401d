"""The public facility map with about 10,000 assets in view, in Debian's Chromium (Playwright): time from the start of
navigation until the markers are loaded and the first ones are drawn, read from the page's performance clock.

The page is opened on an area (?bbox=) holding the wanted number of public assets around the district's centre;
the base map is left out (no tile leaves the machine), so the figure is the app's own work: page, scripts, the
markers request and drawing them.
"""

import math

from django.apps import apps
from django.contrib.gis.geos import Polygon
from django.urls import NoReverseMatch, reverse

from bench.harness import Benchmark, Figure, Limit
from bench.server import percentile
from common.testing import CHROMIUM, CHROMIUM_ARGS, browser_missing

IN_VIEW = 10_000
LOADS = {"tiny": 2, "small": 3}  # page loads per run; 5 at larger scales
READY = """() => {
  const el = document.getElementById('assets-map');
  return el && el.dataset.loaded === 'markers' && document.querySelector('.leaflet-marker-icon') !== null;
}"""


def area_with(n):
    """A square around the district's centre holding about n public assets (all of them if fewer): (bbox, count)."""
    Asset = apps.get_model("assets.Asset")
    District = apps.get_model("grids.District")
    public = Asset.objects.public()
    total = public.count()
    district = District.objects.order_by("id").first()
    c = district.boundary.centroid
    west, south, east, north = district.boundary.extent
    if total <= n:
        return (west, south, east, north), total
    half = max(east - west, north - south) / 2 * math.sqrt(n / total)
    for _ in range(12):  # widen or narrow until the count is within 10 % of n
        box = Polygon.from_bbox((c.x - half, c.y - half, c.x + half, c.y + half))
        box.srid = 4326
        count = public.filter(anchor__bboverlaps=box).count()
        if abs(count - n) <= n / 10:
            break
        half *= math.sqrt(n / max(count, 1))
    return (c.x - half, c.y - half, c.x + half, c.y + half), count


class MapPage(Benchmark):
    id = "map-page"
    title = "Public facility map, ~10,000 assets in view (Chromium)"
    target = "first drawn features < 1.5 s"
    figures = [
        Figure("drawn_p50", "ms", "navigation start → markers drawn, p50"),
        Figure("drawn_p95", "ms", "navigation start → markers drawn, p95"),
        Figure("markers_ms", "ms", "markers request (server and transfer), median"),
    ]
    limits = [Limit("drawn_p95", 1500.0, "le")]

    def unavailable(self, ctx):
        if not apps.is_installed("assets"):
            return "the assets app is not installed"
        try:
            reverse("assets:map")
        except NoReverseMatch:
            return "no public map page"
        return browser_missing()

    def setup(self, ctx):
        self.server = ctx.server()
        self.bbox, self.in_view = area_with(IN_VIEW)
        self.loads = LOADS.get(ctx.scale, 5)
        self.url = f"{self.server.base}{reverse('assets:map')}?bbox=" + ",".join(f"{v:.6f}" for v in self.bbox)
        self.drawn_count = 0

    def _loads(self, out):
        """Every load of one run, with a browser of its own, in a thread of its own: Playwright's sync API cannot
        start in a thread that already runs one (a test session's browser)."""
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    out["loads"] = [self._load(browser) for _ in range(self.loads)]
                finally:
                    browser.close()
        except Exception as exc:  # reported by run() in the harness's thread
            out["error"] = exc

    def _load(self, browser):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        local = self.server.base
        # Nothing leaves the machine: base-map tiles and anything else not served by the app are refused.
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local) else route.abort())
        try:
            page.goto(self.url, wait_until="commit", timeout=120_000)
            page.wait_for_function(READY, timeout=120_000, polling=20)
            drawn = page.evaluate("() => performance.now()")
            markers = page.evaluate(
                "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/markers/'))"
                ".map(e => e.responseEnd - e.startTime)[0] || null"
            )
            self.drawn_count = page.locator(".leaflet-marker-icon").count()
            self.visible = int(page.locator("#assets-map").get_attribute("data-visible") or 0)
        finally:
            context.close()
        return drawn, markers

    def run(self, ctx, index):
        import threading

        out = {}
        worker = threading.Thread(target=self._loads, args=(out,))
        worker.start()
        worker.join()
        if "error" in out:
            raise out["error"]
        drawn = [d for d, _m in out["loads"]]
        markers = [m for _d, m in out["loads"] if m is not None]
        return {
            "drawn_p50": percentile(drawn, 50),
            "drawn_p95": percentile(drawn, 95),
            "markers_ms": percentile(markers, 50) if markers else 0.0,
        }

    def notes(self, ctx):
        return {
            "assets_in_view": self.in_view,
            "assets_on_the_map": getattr(self, "visible", None),
            "marker_icons_drawn": self.drawn_count,
            "bbox": [round(v, 6) for v in self.bbox],
            "loads_per_run": self.loads,
            "clustering": "Leaflet.markercluster: at the area's zoom most assets are drawn as cluster icons",
        }
