"""Writing a list of records as GeoPackage, Shapefile (zip), GeoJSON, CSV or XLSX in EPSG:4326 or another CRS.

The caller gives the records already filtered and the column values already masked (see common.entity);
geometries are reprojected by PostGIS in the same query (ST_Transform), files are written by GDAL (pyogrio).
"""

import contextlib
import csv
import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
from django.contrib.gis.db.models.functions import Transform
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import xlsx
from layers.readers import LayerFileError, parse_crs

FORMATS = {
    "gpkg": ("GeoPackage", "GPKG", "application/geopackage+sqlite3", ".gpkg"),
    "shp": ("Shapefile (zip)", "ESRI Shapefile", "application/zip", ".zip"),
    "geojson": ("GeoJSON", "GeoJSON", "application/geo+json", ".geojson"),
    "csv": ("CSV", None, "text/csv; charset=utf-8", ".csv"),
    "xlsx": ("XLSX", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
MAX_ROWS = 200000
LABELS = {"export": gettext_lazy("Export"), "crs": gettext_lazy("CRS"), "download": gettext_lazy("Download")}


def unknown_format(fmt):
    return _("Unknown export format %(fmt)s; use gpkg, shp, geojson, csv or xlsx.") % {"fmt": fmt}


def export_srid(text):
    """The EPSG code asked for ("4326", "EPSG:4547"); raises LayerFileError for an unknown one."""
    text = (text or "4326").strip()
    crs = parse_crs(f"EPSG:{text}" if text.isascii() and text.isdigit() else text)
    epsg = crs.to_epsg()
    if not epsg:
        raise LayerFileError(_("Unknown CRS “%(crs)s”; give an EPSG code such as EPSG:4547.") % {"crs": text})
    return epsg


def with_export_geometry(queryset, geom_field, srid):
    return queryset.annotate(export_geom=Transform(geom_field, srid))


def export_response(*, name, fmt, srid, columns, rows, request=None):
    """rows: (pk, GEOS geometry in srid or None, [values]) in column order. Returns the download.

    With `request` from a browser (Accept: text/html) and data outside the CRS's area of use, the person first gets
    a page that says so, with both extents, and a link to download anyway (?confirm=1); scripts get the file with
    the warning in its headers."""
    label, driver, content_type, ext = FORMATS[fmt]
    geoms = [geom for _pk, geom, _values in rows if geom is not None]
    outside = area_of_use_check(srid, geoms)
    if outside and request is not None and wants_confirmation(request):
        return confirmation_page(request, srid, outside)
    header = ["id", *columns]
    if fmt == "csv":
        buf = io.StringIO()
        out = csv.writer(buf)
        # The CRS of the wkt column on every row (and in the file name): a CSV has no other place for it.
        out.writerow([*header, "wkt", "crs"])
        for pk, geom, values in rows:
            out.writerow([pk, *[plain(v) for v in values], geom.wkt if geom else "", f"EPSG:{srid}"])
        body = ("\ufeff" + buf.getvalue()).encode("utf-8")  # the BOM lets spreadsheet programs see UTF-8
    elif fmt == "xlsx":
        wb, ws = xlsx.workbook(name)
        xlsx.header(ws, [*header, "wkt", f"EPSG:{srid}"])
        for pk, geom, values in rows:
            ws.append([pk, *[plain(v) for v in values], geom.wkt if geom else ""])
        buf = io.BytesIO()
        wb.save(buf)
        body = buf.getvalue()
    else:
        body = write_ogr(name, driver, fmt, srid, header, rows)
    response = HttpResponse(body, content_type=content_type)
    warning = warning_text(srid, outside, english=True) if outside else ""
    if warning:
        response["Warning"] = f'299 gridwork "{warning}"'.encode("ascii", "replace").decode()
        response["X-Export-Warning"] = warning.encode("ascii", "replace").decode()
    stem = f"{name}_EPSG{srid}" if fmt in ("csv", "xlsx") else name
    response["Content-Disposition"] = f'attachment; filename="{stem}{ext}"'
    response["Content-Crs"] = f"<http://www.opengis.net/def/crs/EPSG/0/{srid}>"
    return response


def wants_confirmation(request):
    """A browser that has not yet been told (scripts and GIS clients get the file and the Warning header)."""
    return request.GET.get("confirm") != "1" and "text/html" in request.headers.get("Accept", "")


def confirmation_page(request, srid, outside):
    query = request.GET.copy()
    query["confirm"] = "1"
    back = request.headers.get("Referer", "")
    context = {
        "warning": warning_text(srid, outside),
        "download": f"{request.path}?{query.urlencode()}",
        "back": back if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) else "",
    }
    response = render(request, "layers/export_confirm.html", context)
    response["Cache-Control"] = "no-store"
    return response


def warning_text(srid, outside, english=False):
    """The warning naming where the data are and where EPSG:srid is used, in the reader's language (English for
    the response headers, which are ASCII)."""
    data, area = outside
    with translation.override("en") if english else contextlib.nullcontext():
        return _(
            "The data (%(data)s, longitude/latitude) lie outside the area of use of EPSG:%(srid)s (%(area)s): "
            "their coordinates in that CRS are distorted or meaningless. Choose a CRS that covers them."
        ) % {"data": extent(*data), "area": extent(*area), "srid": srid}


def extent(west, south, east, north):
    return f"{west:.3f}, {south:.3f} - {east:.3f}, {north:.3f}"


def outside_area_of_use(srid, geoms, margin=1.0):
    """A warning (in English) when the data exported in EPSG:srid fall outside that CRS's area of use, naming both
    extents; "" when they lie inside."""
    outside = area_of_use_check(srid, geoms, margin)
    return warning_text(srid, outside, english=True) if outside else ""


def area_of_use_check(srid, geoms, margin=1.0):
    """((west, south, east, north) of the data, the same of the CRS's area of use), in degrees, when the data
    exported in EPSG:srid fall outside that CRS's area of use (with `margin` degrees); None when they lie inside."""
    from pyproj import CRS, Transformer

    crs = CRS.from_epsg(srid)
    area = crs.area_of_use
    if not geoms or area is None or crs.is_geographic:
        return None
    x0 = min(g.extent[0] for g in geoms)
    y0 = min(g.extent[1] for g in geoms)
    x1 = max(g.extent[2] for g in geoms)
    y1 = max(g.extent[3] for g in geoms)
    west, south, east, north = Transformer.from_crs(crs, 4326, always_xy=True).transform_bounds(x0, y0, x1, y1)

    def in_lon(x):
        if area.west <= area.east:
            return area.west - margin <= x <= area.east + margin
        return x >= area.west - margin or x <= area.east + margin  # an area across the antimeridian

    if south >= area.south - margin and north <= area.north + margin and in_lon(west) and in_lon(east):
        return None
    return (west, south, east, north), (area.west, area.south, area.east, area.north)


def write_ogr(name, driver, fmt, srid, header, rows):
    pks, geoms, values = [], [], []
    for pk, geom, vals in rows:
        pks.append(pk)
        geoms.append(bytes(geom.wkb) if geom else None)
        values.append([plain(v) for v in vals])
    columns = [np.array(pks, dtype=np.int64)]
    for i in range(len(header) - 1):
        col = [v[i] for v in values]
        columns.append(as_column(col))
    kinds = {row[1].geom_type for row in rows if row[1] is not None}
    geometry_type = kinds.pop() if len(kinds) == 1 else "Unknown"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}{'.shp' if fmt == 'shp' else '.' + fmt}"
        pyogrio.raw.write(
            str(path),
            geometry=np.array(geoms, dtype=object),
            field_data=columns,
            fields=header,
            driver=driver,
            geometry_type=geometry_type,
            crs=f"EPSG:{srid}",
            layer=name,
            encoding="UTF-8" if fmt == "shp" else None,
            # GeoPackage 1.2, which GDAL 3.6 and older QGIS read without a warning (GDAL 3.7+ writes 1.4).
            dataset_options={"VERSION": "1.2"} if fmt == "gpkg" else None,
        )
        if fmt != "shp":
            return path.read_bytes()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for part in sorted(Path(tmp).iterdir()):
                z.write(part, part.name)
        return buf.getvalue()


def plain(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def as_column(values):
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present) and len(present) == len(values):
        return np.array(values, dtype=np.int64)
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(["" if v is None else str(v) for v in values], dtype=object)
