"""Imagery: GeoTIFF validation, conversion to a Cloud-Optimized GeoTIFF, PNG tiles and green coverage.

The COG keeps the data's own CRS (no resampling of the stored pixels, so measurements run on the original grid);
tiles are reprojected to web mercator on the fly by rio-tiler, and green coverage reprojects the cell polygons
to the raster's CRS instead of the raster to the cells'.
"""

import logging
import math
import tempfile
from pathlib import Path

import numpy as np
import pyproj
import rasterio
import shapely
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _
from rasterio.errors import RasterioIOError
from rasterio.warp import transform_bounds
from rasterio.windows import Window

from common import files
from common.files import local_path, raster_source

log = logging.getLogger(__name__)

MAX_PIXELS_DEFAULT = 400_000_000
MAX_BANDS = 32
NDVI_RESCALE = (-1.0, 1.0)


class RasterError(ValueError):
    """A clear message about why an image cannot be used."""


def max_pixels():
    return settings.LAYERS.get("MAX_RASTER_PIXELS", MAX_PIXELS_DEFAULT)


def inspect(path):
    """Open the file with rasterio and return its metadata; RasterError for anything unusable."""
    try:
        with rasterio.open(path) as src:
            if src.driver != "GTiff":
                raise RasterError(_("The file is not a GeoTIFF (it reads as %(driver)s).") % {"driver": src.driver})
            if src.crs is None:
                raise RasterError(_("The image has no coordinate reference system; georeference it first."))
            if src.width * src.height > max_pixels():
                raise RasterError(
                    _("The image has %(n)s pixels; at most %(max)s are accepted.")
                    % {"n": src.width * src.height, "max": max_pixels()}
                )
            if not 1 <= src.count <= MAX_BANDS:
                raise RasterError(
                    _("The image has %(n)s bands; 1 to %(max)s are accepted.") % {"n": src.count, "max": MAX_BANDS}
                )
            try:
                west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=21)
            except Exception as exc:
                raise RasterError(_("The image's CRS cannot be converted to longitude/latitude.")) from exc
            if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
                raise RasterError(_("The image's bounds are not on the earth; check its CRS."))
            # Read the first and the last pixels of every band: a truncated or corrupt file fails here, not later.
            src.read(window=Window(0, 0, 1, 1))
            src.read(window=Window(src.width - 1, src.height - 1, 1, 1))
            return {
                "crs": src.crs.to_wkt(),
                "width": src.width,
                "height": src.height,
                "band_count": src.count,
                "dtype": src.dtypes[0],
                "bounds": (west, south, east, north),
            }
    except RasterError:
        raise
    except (RasterioIOError, rasterio.errors.RasterioError) as exc:
        raise RasterError(_("The file cannot be read as a GeoTIFF (corrupt or not an image).")) from exc


def bounds_polygon(bounds):
    from django.contrib.gis.geos import Polygon

    poly = Polygon.from_bbox(bounds)
    poly.srid = 4326
    return poly


def convert(layer, publish=lambda step: None):
    """Write the layer's COG from its uploaded source, record its statistics, then compute green coverage."""
    from rio_cogeo.cogeo import cog_translate
    from rio_cogeo.profiles import cog_profiles

    target_name = f"rasters/cog/{layer.pk}.tif"
    # Written to a temporary file, then stored through the media storage (a folder or an object store).
    with local_path(layer.source) as source, tempfile.TemporaryDirectory(prefix="gridwork-cog-") as tmp:
        target = Path(tmp) / "cog.tif"
        with rasterio.open(source) as src:
            profile = cog_profiles.get("deflate")
            profile.update(blockxsize=256, blockysize=256)
            cog_translate(src, str(target), profile, in_memory=False, quiet=True, overview_resampling="average")
        publish(1)
        with rasterio.open(target) as cog:
            stats = []
            for band in range(1, cog.count + 1):
                data = cog.read(band, masked=True, out_shape=(min(cog.height, 1024), min(cog.width, 1024)))
                valid = data.compressed()
                if valid.size:
                    lo, hi = np.percentile(valid, [2, 98])
                    stats.append(
                        {"min": float(valid.min()), "max": float(valid.max()), "p2": float(lo), "p98": float(hi)}
                    )
                else:
                    stats.append({"min": 0.0, "max": 0.0, "p2": 0.0, "p98": 0.0})
        storage = layer.cog.storage
        if layer.cog.name:
            storage.delete(layer.cog.name)
        storage.delete(target_name)  # a COG left by an earlier, failed conversion of this layer
        with open(target, "rb") as f:
            stored_name = storage.save(target_name, File(f, name=target_name))
    layer.cog.name = stored_name
    layer.stats = stats
    layer.save(update_fields=["cog", "stats", "updated_at"])
    if layer.has_green:
        compute_coverage(layer)
    publish(2)


# --- tiles -------------------------------------------------------------------------------------------------------


class TileParams:
    def __init__(self, layer, bands=None, rescale=None, colormap=None):
        self.layer = layer
        self.indexes = bands or default_bands(layer)
        self.rescale = rescale
        self.colormap = colormap


def default_bands(layer):
    if layer.kind in (layer.Kind.NDVI, layer.Kind.LANDCOVER) or layer.band_count < 3:
        return [1]
    roles = [layer.red_band, layer.green_band, layer.blue_band]
    return roles if all(roles) else [1, 2, 3]


def parse_tile_params(layer, query):
    """bands=1,2,3 · rescale=0,255 (one range for all bands, or min,max;min,max per band) · colormap=rdylgn."""
    bands = None
    if query.get("bands"):
        try:
            bands = [int(b) for b in query["bands"].split(",")]
        except ValueError as exc:
            raise RasterError(_("bands must be band numbers separated by commas.")) from exc
        if len(bands) not in (1, 3) or not all(1 <= b <= layer.band_count for b in bands):
            raise RasterError(_("Choose 1 or 3 bands between 1 and %(n)s.") % {"n": layer.band_count})
    rescale = None
    if query.get("rescale"):
        try:
            ranges = [tuple(float(v) for v in part.split(",")) for part in query["rescale"].split(";")]
            if not all(math.isfinite(v) for r in ranges for v in r):
                raise ValueError("not finite")
        except ValueError as exc:
            raise RasterError(_("rescale must be min,max.")) from exc
        if not all(len(r) == 2 and r[0] < r[1] for r in ranges):
            raise RasterError(_("rescale must be min,max with min below max."))
        rescale = ranges
    colormap = query.get("colormap") or None
    if colormap:
        from rio_tiler.colormap import cmap

        if colormap not in cmap.list():
            raise RasterError(_("Unknown colormap %(name)s.") % {"name": colormap})
    return TileParams(layer, bands, rescale, colormap)


def render_tile(params, z, x, y):
    """PNG bytes of one XYZ tile, or None when the tile lies outside the image."""
    from rio_tiler.colormap import cmap
    from rio_tiler.errors import TileOutsideBounds
    from rio_tiler.io import Reader

    layer = params.layer
    with raster_source(layer.cog) as name, Reader(name) as reader:
        if not reader.tile_exists(x, y, z):
            return None
        try:
            img = reader.tile(x, y, z, tilesize=256, indexes=params.indexes)
        except TileOutsideBounds:
            return None
    rescale = params.rescale
    colormap_name = params.colormap
    if layer.kind == layer.Kind.NDVI and len(params.indexes) == 1:
        rescale = rescale or [NDVI_RESCALE]
        colormap_name = colormap_name or "rdylgn"
    if rescale is None and img.data.dtype != np.uint8 and layer.kind != layer.Kind.LANDCOVER:
        rescale = (
            [
                (layer.stats[i - 1]["p2"], max(layer.stats[i - 1]["p98"], layer.stats[i - 1]["p2"] + 1e-9))
                for i in params.indexes
            ]
            if layer.stats
            else None
        )
    if rescale:
        if len(rescale) == 1:
            rescale = rescale * len(params.indexes)
        img.rescale(in_range=rescale)
    elif img.data.dtype != np.uint8:
        img.array = np.ma.MaskedArray(np.clip(img.array, 0, 255).astype("uint8"), mask=img.array.mask)
    colormap = cmap.get(colormap_name) if colormap_name and len(params.indexes) == 1 else None
    return img.render(img_format="PNG", colormap=colormap)


# --- green coverage ----------------------------------------------------------------------------------------------


def green_mask(layer, src, window=None):
    """A uint8 array: 1 green, 0 not green, 255 no data (read at full resolution, of the window if given)."""
    threshold = settings.LAYERS["NDVI_THRESHOLD"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if layer.kind == layer.Kind.LANDCOVER and layer.green_class_values:
            data = src.read(1, masked=True, window=window)
            green = np.isin(data.filled(np.nan if data.dtype.kind == "f" else 0), layer.green_class_values)
            invalid = np.ma.getmaskarray(data)
        elif layer.kind == layer.Kind.NDVI:
            data = src.read(1, masked=True, window=window)  # compared in its own type: no float64 copy of a large scene
            values = data.data
            invalid = np.ma.getmaskarray(data)
            if values.dtype.kind == "f":
                invalid = invalid | ~np.isfinite(values)
            green = values > threshold
            del data, values
        else:
            red = src.read(layer.red_band, masked=True, window=window).astype("float32")
            nir = src.read(layer.nir_band, masked=True, window=window).astype("float32")
            total = nir + red
            ndvi = (nir - red) / total
            invalid = np.ma.getmaskarray(ndvi) | (total.filled(0) == 0)
            green = ndvi.filled(-np.inf) > threshold
    mask = green.astype("uint8")
    mask[invalid] = 255
    return mask


def areas_targets():
    """(kind, queryset) pairs whose polygons get a coverage row: grid cells and whatever other apps registered
    (planning's zones), see layers.coverage."""
    from layers import coverage

    return coverage.targets()


def _window_around(src, shapes):
    """The raster window holding `shapes` (in the raster's CRS), a pixel wider on each side; None if outside."""
    from rasterio.windows import from_bounds

    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    full = Window(0, 0, src.width, src.height)
    window = from_bounds(minx, miny, maxx, maxy, transform=src.transform).round_offsets().round_lengths()
    window = Window(window.col_off - 1, window.row_off - 1, window.width + 2, window.height + 2)
    try:
        return window.intersection(full)
    except rasterio.errors.WindowError:
        return None


def compute_coverage(layer, targets=None):
    """Share of green pixels per cell and zone, weighted by the fraction of each pixel inside (exactextract).

    `targets` are (kind, queryset) pairs; by default every grid cell and zone the image covers, the whole image
    read. For given targets (one zone being drawn) only the window around them is read and only their rows are
    replaced.
    """
    from common.geometry import metric_srid

    whole = targets is None
    bbox = layer.bounds
    centre = bbox.centroid
    rows = []
    with raster_source(layer.cog) as name, rasterio.open(name) as src, tempfile.TemporaryDirectory() as tmp:
        to_raster = pyproj.Transformer.from_crs("EPSG:4326", src.crs, always_xy=True)
        to_metric = pyproj.Transformer.from_crs("EPSG:4326", f"EPSG:{metric_srid(centre.x, centre.y)}", always_xy=True)
        found = _target_shapes(areas_targets() if whole else targets, bbox, to_raster)
        window = None
        if found and not whole:
            window = _window_around(src, np.concatenate([r for _k, _i, _s, r in found]))
            if window is None:
                found = []
        if found:
            mask_path = _write_green_mask(layer, src, window, Path(tmp) / "green.tif")
            pixel_area = abs(src.transform.a * src.transform.e - src.transform.b * src.transform.d)
            for kind, ids, shapes, in_raster in found:
                rows += _coverage_rows(layer, kind, ids, shapes, in_raster, mask_path, pixel_area, to_metric)
    _replace_coverage(layer, rows, None if whole else targets)
    return rows


def _target_shapes(targets, bbox, to_raster):
    """[(kind, ids, shapes, shapes in the raster's CRS)] of the targets' areas that meet the image's bounds."""
    found = []
    for kind, queryset in targets:
        pairs = list(queryset.filter(boundary__intersects=bbox).values_list("pk", "boundary"))
        if pairs:
            shapes = shapely.from_wkb([bytes(geom.wkb) for _pk, geom in pairs])
            in_raster = shapely.transform(shapes, lambda xy: np.column_stack(to_raster.transform(xy[:, 0], xy[:, 1])))
            found.append((kind, [pk for pk, _geom in pairs], shapes, in_raster))
    return found


def _write_green_mask(layer, src, window, path):
    """The green mask of the image (or of the window) as a temporary GeoTIFF at `path`, for exactextract."""
    mask = green_mask(layer, src, window)
    profile = {
        "driver": "GTiff",
        "width": mask.shape[1],
        "height": mask.shape[0],
        "count": 1,
        "dtype": "uint8",
        "nodata": 255,
        "crs": src.crs,
        "transform": src.window_transform(window) if window is not None else src.transform,
        "tiled": True,  # uncompressed: a temporary file read once, where deflate cost seconds per scene
        "blockxsize": 512,
        "blockysize": 512,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(mask, 1)
    return path


def _coverage_rows(layer, kind, ids, shapes, in_raster, mask_path, pixel_area, to_metric):
    """GreenCoverage rows (unsaved) of one kind of area: the green share and the area in m² (the pixel count
    scaled by each shape's metric area over its area in the raster's CRS); areas with no pixel are left out."""
    from exactextract import exact_extract

    from layers.models import GreenCoverage

    in_metres = shapely.transform(shapes, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))
    features = [
        {"type": "Feature", "properties": {"fid": i}, "geometry": shapely.geometry.mapping(g)}
        for i, g in zip(range(len(ids)), in_raster, strict=True)
    ]
    result = exact_extract(str(mask_path), features, ["mean", "count"], include_cols=["fid"])
    ratio = shapely.area(in_metres) / np.maximum(shapely.area(in_raster), 1e-30)
    rows = []
    for feature in result:
        props = feature["properties"]
        i = int(props["fid"])
        count = props["count"] or 0.0
        if count <= 0:
            continue
        share = float(props["mean"])
        area = float(count * pixel_area * ratio[i])
        rows.append(
            GreenCoverage(raster=layer, share=share, green_m2=share * area, area_m2=area, **{f"{kind}_id": ids[i]})
        )
    return rows


def _replace_coverage(layer, rows, targets):
    """In one transaction: the layer's rows (of the targets' areas only, when targets are given) replaced."""
    from django.db.models import Q

    from layers.models import GreenCoverage

    with transaction.atomic():
        stale = GreenCoverage.objects.filter(raster=layer)
        if targets is not None:
            mine = Q()
            for kind, queryset in targets:
                mine |= Q(**{f"{kind}_id__in": queryset.values("pk")})
            stale = stale.filter(mine)
        stale.delete()
        GreenCoverage.objects.bulk_create(rows)


# --- jobs --------------------------------------------------------------------------------------------------------


def progress_key(raster_id):
    return f"raster-{raster_id}"


STEPS = 2


def create_layer(file, name, **fields):
    """Validate the file and create its layer (status queued); RasterError and nothing kept when it is unusable."""
    from layers.models import RasterLayer

    layer = RasterLayer(name=name, original_name=Path(file.name).name[:255], **fields)
    layer.source.save(f"{Path(file.name).stem[:80]}.tif", file, save=False)
    try:
        with local_path(layer.source) as path:
            info = inspect(path)
        for key in ("crs", "width", "height", "band_count", "dtype"):
            setattr(layer, key, info[key])
        layer.bounds = bounds_polygon(info["bounds"])
        layer.full_clean()
        layer.save()
    except Exception:
        files.delete(layer.source)
        raise
    return layer


def run_conversion(raster_id):
    from layers import progress
    from layers.models import RasterLayer

    layer = RasterLayer.objects.filter(pk=raster_id).first()
    if layer is None or layer.finished:
        return
    key = progress_key(layer.pk)
    layer.status = RasterLayer.Status.RUNNING
    layer.save(update_fields=["status", "updated_at"])
    progress.publish(key, 0, STEPS, layer.status)
    try:
        convert(layer, publish=lambda step: progress.publish(key, step, STEPS, RasterLayer.Status.RUNNING))
    except Exception as exc:
        log.exception("raster %s failed", layer.pk)
        if layer.cog:
            files.delete(layer.cog)
        layer.coverage.all().delete()
        layer.cog.name = ""
        layer.status = RasterLayer.Status.FAILED
        message = str(exc) if isinstance(exc, RasterError) else _("The image could not be converted: %(error)s")
        layer.error = message % {"error": exc.__class__.__name__} if "%(error)s" in message else message
        layer.save(update_fields=["cog", "status", "error", "updated_at"])
        progress.publish(key, 0, STEPS, layer.status)
        return
    layer.status = RasterLayer.Status.DONE
    layer.save(update_fields=["status", "updated_at"])
    progress.publish(key, STEPS, STEPS, layer.status)
