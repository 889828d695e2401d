"""Files the tests write: real Shapefiles, GeoPackages, GeoJSON, KML and CSV made with GDAL (pyogrio)."""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely
from django.contrib.gis.gdal import AxisOrder, CoordTransform, SpatialReference
from django.contrib.gis.geos import GEOSGeometry

from grids.tests.factories import ORIGIN, UTM


def lonlat(x, y):
    """Metres relative to the test origin (UTM 50N) → (lon, lat) in EPSG:4326, by Django's GDAL bindings."""
    g = GEOSGeometry(f"POINT ({ORIGIN.x + x} {ORIGIN.y + y})", srid=UTM)
    g.transform(4326)
    return g.x, g.y


def project(lon, lat, epsg):
    """(lon, lat) → coordinates in EPSG:epsg, through Django's GDAL (OGR) bindings, east first."""
    src = SpatialReference(4326, axis_order=AxisOrder.TRADITIONAL)
    dst = SpatialReference(epsg, axis_order=AxisOrder.TRADITIONAL)
    g = GEOSGeometry(f"POINT ({lon} {lat})", srid=4326).ogr
    g.transform(CoordTransform(src, dst))
    return g.x, g.y


def square(x, y, size=20):
    """A square building footprint, corners in lon/lat, south-west corner at (x, y) metres."""
    return [lonlat(x, y), lonlat(x + size, y), lonlat(x + size, y + size), lonlat(x, y + size), lonlat(x, y)]


def polygon_in(ring_lonlat, epsg):
    return shapely.Polygon([project(lon, lat, epsg) for lon, lat in ring_lonlat] if epsg != 4326 else ring_lonlat)


def write(path, geoms, fields, driver, crs="EPSG:4326", layer=None, **options):
    """Write shapely geometries and {name: list} attributes with GDAL; returns path."""
    names = list(fields)
    data = [np.array(fields[n], dtype=object if isinstance(fields[n][0], str) else None) for n in names]
    kinds = {g.geom_type for g in geoms}
    pyogrio.raw.write(
        str(path),
        geometry=np.array(shapely.to_wkb(geoms), dtype=object),
        field_data=data,
        fields=names,
        driver=driver,
        geometry_type=kinds.pop() if len(kinds) == 1 else "Unknown",
        crs=crs,
        layer=layer,
        **options,
    )
    return Path(path)


def shapefile_zip(folder, geoms, fields, crs, name="buildings", with_prj=True):
    folder = Path(folder)
    write(folder / f"{name}.shp", geoms, fields, "ESRI Shapefile", crs=crs, encoding="UTF-8")
    buf = folder / f"{name}.zip"
    with zipfile.ZipFile(buf, "w") as z:
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            p = folder / f"{name}.{ext}"
            if p.exists() and (with_prj or ext != "prj"):
                z.write(p, p.name)
    return buf


def zip_of(folder, members, name="bad.zip"):
    path = Path(folder) / name
    with zipfile.ZipFile(path, "w") as z:
        for member, content in members.items():
            z.writestr(member, content)
    return path


def geojson(folder, features, name="data.geojson"):
    path = Path(folder) / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def csv_file(folder, rows, name="data.csv"):
    path = Path(folder) / name
    buf = io.StringIO()
    for row in rows:
        buf.write(",".join(f'"{v}"' if isinstance(v, str) and ("," in v or " " in v) else str(v) for v in row) + "\n")
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path
