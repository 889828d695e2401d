"""The public facility map with about 10,000 assets in view (`map-page`) and with every public asset of the city in
view (`map-page-city`), in Debian's Chromium (Playwright): time from the start of navigation until the first
features of the public `asset-map` vector tiles are drawn, and until every tile of the view is drawn, read from the
page's performance clock.

The page is opened on an area (?bbox=) holding the wanted number of public assets around the district's centre (the
district's extent for the whole city); the base map is left out (no tile leaves the machine), so the figure is the
app's own work: page, scripts, the tile requests and drawing them. Each load is a fresh browser context (no cached
tiles). Each run first changes one public asset in view (its open-for-adoption flag, saved as the asset pages save
it), so the run's first load is the first view after a change (`cold_drawn`); the later loads follow it.
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
DRAWN = """() => {
  const el = document.getElementById('assets-map');
  return el && el.dataset.drawn !== undefined;
}"""
LOADED = """() => {
  const el = document.getElementById('assets-map');
  return el && el.dataset.loaded === 'tiles';
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
    target = "first drawn features < 1.5 s"
    figures = [
        Figure("drawn_p50", "ms", "navigation start → first tile features drawn, p50"),
        Figure("drawn_p95", "ms", "navigation start → first tile features drawn, p95"),
        Figure("cold_drawn", "ms", "navigation start → first tile features drawn, first load after one asset changed"),
        Figure("loaded_p50", "ms", "navigation start → every tile of the view drawn, p50"),
        Figure("tile_ms", "ms", "tile request (server and transfer), median over the loads' tiles"),
        Figure("tile_max_ms", "ms", "slowest tile request, median over the loads"),
    ]
    limits = [Limit("drawn_p95", 1500.0, "le")]

    def __init__(self, in_view=IN_VIEW):
        """in_view: about how many public assets the view holds; None for the whole city."""
        self.in_view_wanted = in_view
        if in_view is None:
            self.id = "map-page-city"
            self.title = "Public facility map, every public asset of the city in view (Chromium)"
        else:
            self.id = "map-page"
            self.title = f"Public facility map, ~{in_view:,} assets in view (Chromium)"

    def unavailable(self, ctx):
        if not apps.is_installed("assets"):
            return "the assets app is not installed"
        try:
            reverse("assets:map")
        except NoReverseMatch:
            return "no public map page"
        return browser_missing()

    def setup(self, ctx):
        # The clusters kept for today, as the worker's beat keeps them after midnight (the harness runs no worker:
        # without this, a database built on another day would measure the direct grouping of a stale day).
        from assets.tasks import roll_map_clusters

        roll_map_clusters()
        self.server = ctx.server()
        self.bbox, self.in_view = area_with(self.in_view_wanted or 10**12)
        self.loads = LOADS.get(ctx.scale, 5)
        self.url = f"{self.server.base}{reverse('assets:map')}?bbox=" + ",".join(f"{v:.6f}" for v in self.bbox)
        self.drawn_count = 0
        west, south, east, north = self.bbox
        box = Polygon.from_bbox((west, south, east, north))
        box.srid = 4326
        Asset = apps.get_model("assets.Asset")
        self.changed = Asset.objects.public().filter(anchor__bboverlaps=box).order_by("id").first()

    def _change_one(self):
        """One public asset in view changes, as a save from its edit page does (every signal and trigger of it)."""
        if self.changed is not None:
            self.changed.open_for_adoption = not self.changed.open_for_adoption
            self.changed.save()

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
            page.wait_for_function(DRAWN, timeout=120_000, polling=20)
            drawn = float(page.locator("#assets-map").get_attribute("data-drawn"))  # set when the first were drawn
            page.wait_for_function(LOADED, timeout=120_000, polling=20)
            loaded = page.evaluate("() => performance.now()")
            tiles = page.evaluate(
                "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/tiles/asset-map/'))"
                ".map(e => e.responseEnd - e.startTime)"
            )
            self.drawn_count = page.locator("#assets-map path.asset-feature").count()
            self.visible = int(page.locator("#assets-map").get_attribute("data-visible") or 0)
            self.zoom = page.evaluate("() => window.gridworkAssets.map.getZoom()")
            self.tiles = len(tiles)
        finally:
            context.close()
        return drawn, loaded, tiles

    def run(self, ctx, index):
        import threading

        self._change_one()  # this run's first load is the first view after a change
        out = {}
        worker = threading.Thread(target=self._loads, args=(out,))
        worker.start()
        worker.join()
        if "error" in out:
            raise out["error"]
        drawn = [d for d, _l, _t in out["loads"]]
        loaded = [x for _d, x, _t in out["loads"]]
        tiles = [ms for _d, _l, t in out["loads"] for ms in t]
        slowest = [max(t) for _d, _l, t in out["loads"] if t]
        return {
            "drawn_p50": percentile(drawn, 50),
            "drawn_p95": percentile(drawn, 95),
            "cold_drawn": drawn[0],
            "loaded_p50": percentile(loaded, 50),
            "tile_ms": percentile(tiles, 50) if tiles else 0.0,
            "tile_max_ms": percentile(slowest, 50) if slowest else 0.0,
        }

    def notes(self, ctx):
        return {
            "assets_in_view": self.in_view,
            "assets_on_the_map": getattr(self, "visible", None),
            "features_drawn": self.drawn_count,
            "zoom": getattr(self, "zoom", None),
            "tiles_per_load": getattr(self, "tiles", None),
            "bbox": [round(v, 6) for v in self.bbox],
            "changed_before_each_run": getattr(self.changed, "identifier", None),
            "loads_per_run": self.loads,
            "drawing": "Leaflet.VectorGrid (SVG) from /tiles/asset-map/: clusters per family on a 48 px grid below "
            "zoom 15 (server-side, per tile), single facilities from there on; popups fetched on a click",
        }
