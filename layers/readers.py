"""Reading vector files: one handler per format behind a common interface, GDAL/OGR through pyogrio.

    source = open_source(path, crs_override="EPSG:4547")
    source.fields, source.crs, source.count
    batch = source.read()            # row numbers, EPSG:4326 shapely geometries, attribute dicts

Every handler checks its own kind of bad input before OGR touches the file (a zip without .shp, a zip
bomb, a GeoJSON nested too deep) and raises LayerFileError with a message meant for the user.
"""

import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
import shapely.affinity
from django.conf import settings
from django.utils.translation import gettext as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

STORAGE_CRS = CRS.from_epsg(4326)


class LayerFileError(Exception):
    """A file that cannot be imported; the message is shown to the user as it is."""


def limits():
    return settings.LAYERS


class Handler:
    """One file format. Subclasses say which files they take and how OGR should open them."""

    format = ""
    label = ""
    extensions = ()
    default_crs = None  # CRS assumed when the file declares none (GeoJSON and KML are WGS 84 by definition)

    def accepts(self, path: Path):
        return path.suffix.lower() in self.extensions

    def check(self, path: Path):
        """Refuse bad input cheaply, before OGR parses the file."""

    def locate(self, path: Path, workdir: Path) -> str:
        """The path OGR opens (a handler may unpack an archive into workdir first)."""
        return str(path)

    def open_options(self):
        return {}


class ShapefileZip(Handler):
    format = "shapefile"
    label = "Shapefile (.zip)"
    extensions = (".zip",)

    def locate(self, path, workdir):
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError):
            raise LayerFileError(_("The file is not a valid zip archive."))
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            encrypted = [m.filename for m in members if m.flag_bits & 0x1]
            if encrypted:
                raise LayerFileError(
                    _("The zip archive is encrypted (password-protected: %(name)s); zip the files without a password.")
                    % {"name": encrypted[0]}
                )
            total = sum(m.file_size for m in members)
            if total > limits()["MAX_UNZIPPED_MB"] * 1024 * 1024:
                raise LayerFileError(
                    _("The zip archive unpacks to %(mb).0f MB; at most %(limit)s MB are accepted.")
                    % {"mb": total / 1024 / 1024, "limit": limits()["MAX_UNZIPPED_MB"]}
                )
            shps = [m for m in members if m.filename.lower().endswith(".shp") and not m.filename.startswith("__MACOSX")]
            if not shps:
                names = ", ".join(m.filename for m in members[:8]) or _("nothing")
                raise LayerFileError(
                    _("The zip archive holds no .shp file (it holds: %(names)s); zip the .shp with its .shx and .dbf.")
                    % {"names": names}
                )
            for m in members:
                target = (workdir / m.filename).resolve()
                if not str(target).startswith(str(workdir.resolve()) + os.sep):
                    raise LayerFileError(
                        _("The zip archive has a member outside its folder: %(name)s.") % {"name": m.filename}
                    )
            damaged = _("The zip archive is damaged (%(reason)s); zip the files again.")
            try:
                bad = archive.testzip()  # reads every member through its CRC-32, in 1 MB chunks
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                raise LayerFileError(damaged % {"reason": _short(exc)})
            if bad is not None:
                raise LayerFileError(
                    _("The zip archive is damaged: %(name)s fails its CRC-32 check; zip the files again.")
                    % {"name": bad}
                )
            try:
                archive.extractall(workdir)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                raise LayerFileError(damaged % {"reason": _short(exc)})
        shp = workdir / shps[0].filename
        count_shp_vertices(shp)
        stem = shp.with_suffix("")
        missing = [ext for ext in (".shx", ".dbf") if not any(Path(str(stem) + e).exists() for e in (ext, ext.upper()))]
        if missing:
            raise LayerFileError(
                _("The shapefile %(name)s lacks its %(missing)s file.")
                % {"name": shp.name, "missing": ", ".join(missing)}
            )
        return str(shp)


# Shapefile shape types whose records carry a point count (polyline, polygon, multipoint, with Z/M, multipatch).
_SHP_COUNTED = {3, 5, 8, 13, 15, 18, 23, 25, 28, 31}


def count_shp_vertices(shp):
    """The number of points in a .shp file, read from its record headers only (a few bytes per record, skipping
    the coordinates), refused as soon as it passes GRIDWORK_MAX_IMPORT_VERTICES."""
    limit = limits()["MAX_TOTAL_VERTICES"]
    total = 0
    size = os.path.getsize(shp)
    with open(shp, "rb") as f:
        f.seek(100)  # the file header
        pos = 100
        while pos + 12 <= size:
            head = f.read(12)
            if len(head) < 12:
                break
            length = int.from_bytes(head[4:8], "big") * 2  # content length in bytes
            shape = int.from_bytes(head[8:12], "little")
            if shape in _SHP_COUNTED:
                f.seek(32, os.SEEK_CUR)  # bounding box
                counts = f.read(8)
                if len(counts) < 8:
                    break
                # multipoint: the count follows the box; others: parts, then points
                total += int.from_bytes(counts[0:4] if shape in (8, 18, 28) else counts[4:8], "little")
            elif shape in (1, 11, 21):
                total += 1
            if total > limit:
                raise LayerFileError(
                    _(
                        "The shapefile has more than %(limit)s vertices; at most %(limit)s are accepted in one "
                        "import (GRIDWORK_MAX_IMPORT_VERTICES)."
                    )
                    % {"limit": limit}
                )
            pos += 8 + max(length, 4)
            f.seek(pos)
    return total


class GeoPackage(Handler):
    format = "gpkg"
    label = "GeoPackage"
    extensions = (".gpkg",)


class GeoJSON(Handler):
    format = "geojson"
    label = "GeoJSON"
    extensions = (".geojson", ".json")
    default_crs = "EPSG:4326"

    def check(self, path):
        """Refuse before GDAL parses the file, reading it once in 1 MB chunks and stopping at the first limit
        passed: its size (GRIDWORK_MAX_UPLOAD_MB), its nesting (a FeatureCollection of multipolygons needs about
        7 levels), its positions (GRIDWORK_MAX_IMPORT_VERTICES) and its features (GRIDWORK_MAX_IMPORT_FEATURES).
        Memory stays at a few chunks whatever the file's size."""
        check_file_size(path)
        scan_geojson(path)


# GeoJSON pre-scan: what is counted in the raw text, chunk by chunk.
SCAN_CHUNK = 1 << 20
# An array whose first item is a number is a position ([lon, lat] or [x, y, z]); a bbox or a numeric list among
# the properties counts too, so the count errs on the side of the limit.
_POSITION = re.compile(rb"\[[ \t\r\n]{0,32}[-+0-9.]")
_FEATURE = re.compile(rb'"type"[ \t\r\n]{0,32}:[ \t\r\n]{0,32}"Feature"')
_OVERLAP = 96  # longer than any match: a match cut by a chunk boundary is found in the next window
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def check_file_size(path):
    size = os.path.getsize(path)
    limit = limits()["MAX_UPLOAD_MB"]
    if size > limit * 1024 * 1024:
        raise LayerFileError(
            _("The file is %(mb).0f MB; at most %(limit)s MB are accepted (GRIDWORK_MAX_UPLOAD_MB).")
            % {"mb": size / 1024 / 1024, "limit": limit}
        )


def scan_geojson(path):
    """Stream through a GeoJSON file, refusing it as soon as its depth, positions or features pass the limits."""
    depth_limit = limits()["MAX_JSON_DEPTH"]
    vertex_limit = limits()["MAX_TOTAL_VERTICES"]
    feature_limit = limits()["MAX_FEATURES"]
    depth = deepest = vertices = features = 0
    tail = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(SCAN_CHUNK)
            # Nesting: the running sum of opening minus closing brackets.
            if chunk:
                steps = np.cumsum(_STEP[np.frombuffer(chunk, dtype=np.uint8)], dtype=np.int32)
                deepest = max(deepest, depth + int(steps.max()))
                depth += int(steps[-1])
                if deepest > depth_limit:
                    raise LayerFileError(
                        _("The GeoJSON file is nested %(depth)s levels deep; at most %(limit)s are accepted.")
                        % {"depth": deepest, "limit": depth_limit}
                    )
            # Positions and features: matches starting before the window's last _OVERLAP bytes (all at the end).
            window = tail + chunk
            end = len(window) if not chunk else max(0, len(window) - _OVERLAP)
            vertices += sum(1 for m in _POSITION.finditer(window) if m.start() < end)
            features += sum(1 for m in _FEATURE.finditer(window) if m.start() < end)
            if vertices > vertex_limit:
                raise LayerFileError(
                    _(
                        "The GeoJSON file has more than %(limit)s vertices (found in its first %(mb).0f MB); at most "
                        "%(limit)s are accepted in one import (GRIDWORK_MAX_IMPORT_VERTICES)."
                    )
                    % {"limit": vertex_limit, "mb": max(1, f.tell() / 1024 / 1024)}
                )
            if features > feature_limit:
                raise LayerFileError(
                    _(
                        "The GeoJSON file has more than %(limit)s features; at most %(limit)s are accepted in one "
                        "import (GRIDWORK_MAX_IMPORT_FEATURES)."
                    )
                    % {"limit": feature_limit}
                )
            if not chunk:
                return {"vertices": vertices, "features": features, "depth": deepest}
            tail = window[end:]


class KML(Handler):
    format = "kml"
    label = "KML"
    extensions = (".kml",)
    default_crs = "EPSG:4326"


class CSV(Handler):
    """CSV with a WKT column (wkt, geometry, geom) or longitude/latitude columns."""

    format = "csv"
    label = "CSV (WKT or lon/lat)"
    extensions = (".csv",)
    default_crs = "EPSG:4326"

    def check(self, path):
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            header = [h.strip().strip('"').lower() for h in f.readline().split(",")]
        has_wkt = bool({"wkt", "geometry", "geom", "the_geom"} & set(header))
        has_xy = bool({"lon", "lng", "longitude", "x"} & set(header)) and bool({"lat", "latitude", "y"} & set(header))
        if not (has_wkt or has_xy):
            raise LayerFileError(
                _("The CSV file needs a WKT column or lon and lat columns; it has: %(cols)s.")
                % {"cols": ", ".join(header)}
            )

    def open_options(self):
        return {
            "GEOM_POSSIBLE_NAMES": "wkt,geometry,geom,the_geom",
            "X_POSSIBLE_NAMES": "lon,lng,longitude,x",
            "Y_POSSIBLE_NAMES": "lat,latitude,y",
            "KEEP_GEOM_COLUMNS": "NO",
            "AUTODETECT_TYPE": "YES",
        }


HANDLERS = [ShapefileZip(), GeoPackage(), GeoJSON(), KML(), CSV()]


def handler_for(path, format=None) -> Handler:
    path = Path(path)
    for h in HANDLERS:
        if (format and h.format == format) or (not format and h.accepts(path)):
            return h
    known = ", ".join(e for h in HANDLERS for e in h.extensions)
    raise LayerFileError(
        _("Unknown file type %(ext)s; accepted: %(known)s.") % {"ext": path.suffix or "?", "known": known}
    )


def parse_crs(text):
    try:
        return CRS.from_user_input(text.strip())
    except (CRSError, TypeError, ValueError):
        raise LayerFileError(
            _("Unknown CRS “%(crs)s”; give an EPSG code such as EPSG:4490 or EPSG:4547.") % {"crs": text}
        )


@dataclass
class Batch:
    rows: np.ndarray  # 1-based row numbers in the file
    geoms: np.ndarray  # shapely geometries in EPSG:4326 (None where the row has none)
    attrs: list  # one dict per row
    split: frozenset = frozenset()  # indexes of the rows split at the antimeridian (±180°)


class Source:
    def __init__(self, path, *, format=None, layer=None, crs_override="", workdir=None):
        self.original = Path(path)
        self.handler = handler_for(path, format)
        self.workdir = Path(workdir or self.original.parent / (self.original.name + ".d"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.handler.check(self.original)
        self.path = self.handler.locate(self.original, self.workdir)
        self.options = self.handler.open_options()
        try:
            layers = pyogrio.list_layers(self.path)
        except Exception as exc:  # OGR's own message says what is wrong with the file
            raise LayerFileError(_("The file cannot be read: %(reason)s") % {"reason": _short(exc)})
        if len(layers) == 0:
            raise LayerFileError(_("The file holds no layer."))
        self.layers = [str(name) for name, _kind in layers]
        self.layer = layer or self.layers[0]
        if self.layer not in self.layers:
            raise LayerFileError(
                _("The file has no layer “%(layer)s”; its layers: %(layers)s.")
                % {"layer": self.layer, "layers": ", ".join(self.layers)}
            )
        try:
            info = pyogrio.read_info(self.path, layer=self.layer, force_feature_count=True, **self.options)
        except Exception as exc:
            raise LayerFileError(_("The file cannot be read: %(reason)s") % {"reason": _short(exc)})
        self.fields = [str(f) for f in info["fields"]]
        self.count = int(info["features"])
        self.declared_crs = info["crs"]
        self.chosen_crs = bool(crs_override)
        if crs_override:
            self.crs = parse_crs(crs_override)
        elif self.declared_crs:
            self.crs = parse_crs(self.declared_crs)
        elif self.handler.default_crs:
            self.crs = parse_crs(self.handler.default_crs)
        else:
            raise LayerFileError(_("The file does not say its CRS (no .prj); choose one, e.g. EPSG:4547."))
        if self.count > limits()["MAX_FEATURES"]:
            raise LayerFileError(
                _("The file has %(n)s features; at most %(limit)s are accepted in one import.")
                % {"n": self.count, "limit": limits()["MAX_FEATURES"]}
            )

    @property
    def crs_label(self):
        epsg = self.crs.to_epsg(min_confidence=70)
        return f"EPSG:{epsg} · {self.crs.name}" if epsg else self.crs.name

    def read(self, max_features=None) -> Batch:
        try:
            meta, fids, wkb, field_data = pyogrio.raw.read(
                self.path,
                layer=self.layer,
                force_2d=True,
                max_features=max_features,
                datetime_as_string=True,
                **self.options,
            )
        except Exception as exc:
            raise LayerFileError(_("The file cannot be read: %(reason)s") % {"reason": _short(exc)})
        n = len(wkb) if wkb is not None else (len(field_data[0]) if field_data else 0)
        geoms = shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else np.full(n, None, dtype=object)
        vertices = int(shapely.get_num_coordinates(geoms).sum())
        if vertices > limits()["MAX_TOTAL_VERTICES"]:
            raise LayerFileError(
                _("The file has %(n)s vertices; at most %(limit)s are accepted in one import.")
                % {"n": vertices, "limit": limits()["MAX_TOTAL_VERTICES"]}
            )
        geoms, split = reproject(geoms, self.crs)
        if self.chosen_crs:
            check_area_of_use(geoms, self.crs)
        names = [str(f) for f in meta["fields"]]
        columns = [_plain(col) for col in field_data]
        attrs = (
            [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)] if columns else [{}] * n
        )
        return Batch(rows=np.arange(1, n + 1), geoms=geoms, attrs=attrs, split=split)


def reproject(geoms, crs):
    """Transform an array of shapely geometries to EPSG:4326 (PROJ, longitude first). Returns the geometries and
    the indexes of those split at the antimeridian: a shape that crosses ±180° comes out of PROJ with vertices on
    both ends of the longitudes (spanning the whole world), and is cut there into parts on either side."""
    split = frozenset()
    if crs.equals(STORAGE_CRS, ignore_axis_order=True):
        out = geoms
    else:
        transformer = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)

        def move(xy):
            x, y = transformer.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        out = shapely.transform(geoms, move)
        bounds = shapely.bounds(out)
        wide = np.flatnonzero(bounds[:, 2] - bounds[:, 0] > 180)
        if wide.size:
            out = out.copy()
            out[wide] = [split_at_antimeridian(g) for g in out[wide]]
            split = frozenset(int(i) for i in wide)
    present = out[~shapely.is_missing(out)]
    if present.size:
        minx, miny, maxx, maxy = shapely.total_bounds(present)
        if not np.all(np.isfinite([minx, miny, maxx, maxy])) or minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise LayerFileError(
                _("Reprojected from %(crs)s the data fall outside longitude/latitude bounds: is the CRS right?")
                % {"crs": crs.name}
            )
    return out, split


def split_at_antimeridian(geom):
    """A geometry whose longitudes jump across ±180° as parts on either side of it (a multi-geometry)."""

    def unwrap(xy):
        x = xy[:, 0].copy()
        x[x < 0] += 360
        return np.column_stack([x, xy[:, 1]])

    whole = shapely.transform(geom, unwrap)  # continuous across 180°: longitudes 0..360
    west = shapely.intersection(whole, shapely.box(0, -90, 180, 90))
    east = shapely.affinity.translate(shapely.intersection(whole, shapely.box(180, -90, 360, 90)), xoff=-360)
    parts = [p for g in (west, east) for p in shapely.get_parts(g) if not p.is_empty]
    kind = {"Polygon": shapely.MultiPolygon, "LineString": shapely.MultiLineString, "Point": shapely.MultiPoint}
    first = parts[0].geom_type if parts else ""
    if parts and all(p.geom_type == first for p in parts) and first in kind:
        return kind[first](parts)
    return shapely.GeometryCollection(parts)


def check_area_of_use(geoms, crs, margin=1.0):
    """A chosen CRS whose area of use (from the EPSG registry, with `margin` degrees) does not hold the data is
    refused: the coordinates were almost certainly written in another CRS and would land elsewhere on earth."""
    area = crs.area_of_use
    present = geoms[~shapely.is_missing(geoms)]
    if area is None or not present.size:
        return
    minx, miny, maxx, maxy = shapely.total_bounds(present)
    west, south, east, north = area.west, area.south, area.east, area.north

    def in_lon(x):
        if west <= east:
            return west - margin <= x <= east + margin
        return x >= west - margin or x <= east + margin  # an area across the antimeridian

    inside = south - margin <= miny and maxy <= north + margin and in_lon(minx) and in_lon(maxx)
    if not inside:
        raise LayerFileError(
            _(
                "The data read in %(crs)s lie at %(data)s (longitude/latitude), outside the area where %(crs)s is "
                "used (%(area)s): the file's coordinates are in another CRS. Choose the right one."
            )
            % {
                "crs": crs.name,
                "data": extent_text(minx, miny, maxx, maxy),
                "area": extent_text(west, south, east, north),
            }
        )


def extent_text(west, south, east, north):
    return f"{west:.3f}, {south:.3f} – {east:.3f}, {north:.3f}"


def _plain(column):
    """A numpy column as plain Python values (None for missing)."""
    values = column.tolist()
    if column.dtype.kind == "f":
        return [None if v != v else v for v in values]
    return values


def _short(exc):
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else exc.__class__.__name__
