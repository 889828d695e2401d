"""Green coverage of every grid cell from an NDVI raster: the project's path (layers.imagery.compute_coverage,
exactextract) vs rasterstats' zonal_stats on the same raster and the same polygons, and how far their shares differ.

The raster is synthetic and reproducible (seeded): a smooth field of vegetation patches plus noise, in the metric
CRS of the city, covering every cell. rasterstats runs in the peers' environment (bench/peers.txt) and times only
its zonal_stats call; the project's figure is the whole compute_coverage (mask, exactextract, rows written).
"""

import json
import subprocess
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon

from bench.harness import Benchmark, Figure, Limit, Ratio

SIDE = {"tiny": 1_000, "small": 4_000}  # pixels per side; 10,000 at medium and larger scales
BLOCK = 1_000  # rows written per block while the raster is generated

PEER_SCRIPT = r"""
import json, sys, time
import numpy as np
from rasterstats import zonal_stats

raster, shapes, threshold = sys.argv[1], sys.argv[2], float(sys.argv[3])
with open(shapes) as f:
    features = json.load(f)["features"]

def green(values):
    valid = values.compressed()
    return float((valid > threshold).sum()) / valid.size if valid.size else None

t = time.perf_counter()
stats = zonal_stats(features, raster, stats=["count"], add_stats={"green": green}, geojson_out=False)
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "shares": [s["green"] for s in stats]}))
"""


def write_ndvi(path, bounds, side, seed):
    """A side × side float32 NDVI GeoTIFF over `bounds` (minx, miny, maxx, maxy in the raster CRS), tiled."""
    import rasterio
    from rasterio.transform import from_bounds

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = bounds
    profile = {
        "driver": "GTiff",
        "width": side,
        "height": side,
        "count": 1,
        "dtype": "float32",
        "nodata": -9999.0,
        "crs": bounds.crs,
        "transform": from_bounds(minx, miny, maxx, maxy, side, side),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
    }
    # Vegetation patches: a sum of a few dozen sine waves of random direction, so the green share varies by cell.
    waves = [
        (rng.uniform(0, 2 * np.pi), rng.uniform(4, 40) * 2 * np.pi / side, rng.uniform(0, 2 * np.pi)) for _ in range(24)
    ]
    x = np.arange(side, dtype="float32")
    with rasterio.open(path, "w", **profile) as dst:
        for row0 in range(0, side, BLOCK):
            rows = min(BLOCK, side - row0)
            y = np.arange(row0, row0 + rows, dtype="float32")[:, None]
            field = np.zeros((rows, side), dtype="float32")
            for angle, freq, phase in waves:
                field += np.sin(freq * (np.cos(angle) * x[None, :] + np.sin(angle) * y) + phase)
            ndvi = np.tanh(field / 6.0) * 0.6 + 0.15 + rng.normal(0, 0.08, (rows, side)).astype("float32")
            dst.write(ndvi.astype("float32"), 1, window=((row0, row0 + rows), (0, side)))


class _Bounds(tuple):
    crs = None


class GreenCoverage(Benchmark):
    id = "coverage"
    title = "Green coverage per grid cell from an NDVI raster"
    target = "≥ 3× faster than rasterstats, shares within 0.1 percentage point"
    figures = [
        Figure("project", "s", "compute_coverage (exactextract), every cell and zone"),
        Figure("rasterstats", "s", "rasterstats zonal_stats, every cell"),
        Figure("mean_diff", "pp", "mean absolute share difference, project vs rasterstats"),
        Figure("weighted_diff", "pp", "difference of the area-weighted share over all cells"),
        Figure("max_diff", "pp", "largest share difference of one cell"),
    ]
    ratios = [Ratio("rasterstats", "project", 3.0, "ge")]
    limits = [Limit("mean_diff", 0.1, "le"), Limit("weighted_diff", 0.1, "le")]

    def unavailable(self, ctx):
        from django.apps import apps

        if not apps.is_installed("layers"):
            return "the layers app is not installed"
        from bench.peers import ensure_peers

        try:
            ensure_peers()
        except RuntimeError as exc:
            return str(exc)
        return None

    def setup(self, ctx):
        import pyproj
        import shapely

        from common.geometry import metric_srid
        from grids.models import GridCell
        from layers.models import RasterLayer

        cells = list(GridCell.objects.order_by("id").values_list("id", "boundary"))
        self.ids = [pk for pk, _g in cells]
        extent = Polygon.from_bbox(GridCell.objects.aggregate(e=Extent("boundary"))["e"])
        extent.srid = 4326
        srid = metric_srid(extent.centroid.x, extent.centroid.y)
        metric = extent.transform(srid, clone=True).extent
        pad = 50.0
        bounds = _Bounds((metric[0] - pad, metric[1] - pad, metric[2] + pad, metric[3] + pad))
        bounds.crs = f"EPSG:{srid}"
        side = SIDE.get(ctx.scale, 10_000)
        self.side = side
        folder = Path(settings.MEDIA_ROOT) / "rasters" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"ndvi-{ctx.scale}-{ctx.seed}-{side}-{srid}-{int(sum(metric))}.tif"
        path = folder / name
        if not path.exists():
            ctx.say(f"  writing a {side:,} × {side:,} NDVI raster … ")
            t = time.perf_counter()
            write_ndvi(str(path) + ".part", bounds, side, ctx.seed)
            Path(str(path) + ".part").rename(path)
            ctx.say(f"{time.perf_counter() - t:.0f} s\n")
        RasterLayer.objects.filter(name__startswith="bench ndvi").delete()
        footprint = Polygon.from_bbox(bounds)
        footprint.srid = srid
        footprint.transform(4326)
        self.layer = RasterLayer.objects.create(
            name=f"bench ndvi {side}",
            kind=RasterLayer.Kind.NDVI,
            cog=f"rasters/bench/{name}",
            original_name=name,
            status=RasterLayer.Status.DONE,
            bounds=footprint,
            crs=f"EPSG:{srid}",
            width=side,
            height=side,
            band_count=1,
            dtype="float32",
        )
        # The same polygons for rasterstats, in the raster's CRS.
        to_raster = pyproj.Transformer.from_crs("EPSG:4326", bounds.crs, always_xy=True)
        shapes = shapely.from_wkb([bytes(g.wkb) for _pk, g in cells])
        shapes = shapely.transform(shapes, lambda xy: np.column_stack(to_raster.transform(xy[:, 0], xy[:, 1])))
        self.areas = shapely.area(shapes)
        self.shapes_path = folder / f"cells-{ctx.scale}-{ctx.seed}.geojson"
        self.shapes_path.write_text(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {"type": "Feature", "properties": {"id": pk}, "geometry": shapely.geometry.mapping(g)}
                        for pk, g in zip(self.ids, shapes, strict=True)
                    ],
                }
            )
        )
        self.raster_path = path
        self.threshold = settings.LAYERS["NDVI_THRESHOLD"]

    def _project(self):
        from layers.imagery import compute_coverage

        t = time.perf_counter()
        rows = compute_coverage(self.layer)
        elapsed = time.perf_counter() - t
        shares = {r.cell_id: r.share for r in rows if r.cell_id}
        return elapsed, shares

    def _rasterstats(self):
        from bench.peers import ensure_peers

        out = subprocess.run(
            [str(ensure_peers()), "-c", PEER_SCRIPT, str(self.raster_path), str(self.shapes_path), str(self.threshold)],
            check=True,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        return result["seconds"], dict(zip(self.ids, result["shares"], strict=True))

    def run(self, ctx, index):
        order = [("project", self._project), ("rasterstats", self._rasterstats)]
        if index % 2:
            order.reverse()
        out, shares = {}, {}
        for name, fn in order:
            out[name], shares[name] = fn()
        both = [
            (shares["project"][pk], shares["rasterstats"][pk], area)
            for pk, area in zip(self.ids, self.areas, strict=True)
            if shares["project"].get(pk) is not None and shares["rasterstats"].get(pk) is not None
        ]
        if not both:
            raise RuntimeError("no cell has a share from both tools")
        a = np.array(both)
        diff = np.abs(a[:, 0] - a[:, 1]) * 100
        out["mean_diff"] = float(diff.mean())
        out["max_diff"] = float(diff.max())
        weights = a[:, 2] / a[:, 2].sum()
        out["weighted_diff"] = float(abs((a[:, 0] * weights).sum() - (a[:, 1] * weights).sum()) * 100)
        self.compared = len(both)
        self.mean_share = float(a[:, 0].mean() * 100)
        return out

    def teardown(self, ctx):
        if getattr(self, "layer", None) is not None:
            self.layer.delete()  # the raster file stays for the next run; its coverage rows go with the layer

    def notes(self, ctx):
        return {
            "raster": f"{self.side} × {self.side} float32 NDVI, {self.raster_path.name}",
            "cells": len(self.ids),
            "cells_compared": getattr(self, "compared", 0),
            "mean_green_share_pct": round(getattr(self, "mean_share", 0.0), 2),
            "threshold": self.threshold,
            "rasterstats": "zonal_stats with a custom stat (share of valid pixels above the threshold), "
            "pixel centres inside the polygon (all_touched=False)",
        }
