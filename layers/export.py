"""Writing a list of records as GeoPackage, Shapefile (zip), GeoJSON, CSV or XLSX in EPSG:4326 or another CRS.

The caller gives the records already filtered and the column values already masked (see common.entity);
geometries are reprojected by PostGIS in the same query (ST_Transform), files are written by GDAL (pyogrio).
"""

import csv
import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
from django.contrib.gis.db.models.functions import Transform
from django.http import HttpResponse
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


def export_response(*, name, fmt, srid, columns, rows):
    """rows: (pk, GEOS geometry in srid or None, [values]) in column order. Returns the download."""
    label, driver, content_type, ext = FORMATS[fmt]
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
    warning = outside_area_of_use(srid, [geom for _pk, geom, _values in rows if geom is not None])
    if warning:
        response["Warning"] = f'299 gridwork "{warning}"'.encode("ascii", "replace").decode()
        response["X-Export-Warning"] = warning.encode("ascii", "replace").decode()
    stem = f"{name}_EPSG{srid}" if fmt in ("csv", "xlsx") else name
    response["Content-Disposition"] = f'attachment; filename="{stem}{ext}"'
    response["Content-Crs"] = f"<http://www.opengis.net/def/crs/EPSG/0/{srid}>"
    return response


def outside_area_of_use(srid, geoms, margin=1.0):
    """A warning when the data exported in EPSG:srid fall outside that CRS's area of use (its coordinates there are
    distorted or meaningless), naming both extents; "" when they lie inside."""
    from pyproj import CRS, Transformer

    crs = CRS.from_epsg(srid)
    area = crs.area_of_use
    if not geoms or area is None or crs.is_geographic:
        return ""
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
        return ""
    return f"data at {west:.3f}, {south:.3f} - {east:.3f}, {north:.3f} lie outside the area of use of EPSG:{srid} " + (
        f"({area.west:.3f}, {area.south:.3f} - {area.east:.3f}, {area.north:.3f})"
    )


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
