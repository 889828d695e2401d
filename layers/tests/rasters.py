"""GeoTIFFs the imagery tests write: a 2-band (red, NIR) scene in UTM 50N over the test community."""

import numpy as np
import rasterio
from rasterio.transform import from_origin

from grids.tests.factories import ORIGIN, UTM


def scene(path, width=560, height=440, res=2.0, x0=-40.3, y0=840.7, seed=7, crs=f"EPSG:{UTM}"):
    """Red and NIR bands: the west half (x < 500 m) mostly green, the east half a seeded random mix.

    Returns (path, transform, ndvi) with the origin offset so pixel edges never line up with cell edges.
    """
    rng = np.random.default_rng(seed)
    transform = from_origin(ORIGIN.x + x0, ORIGIN.y + y0, res, res)
    cols = np.arange(width) * res + x0 + res / 2
    west = np.broadcast_to(cols < 500, (height, width))
    green = np.where(west, rng.random((height, width)) < 0.9, rng.random((height, width)) < 0.2)
    red = np.where(green, rng.integers(20, 60, (height, width)), rng.integers(90, 160, (height, width))).astype(
        "uint16"
    )
    nir = np.where(green, rng.integers(150, 250, (height, width)), rng.integers(80, 140, (height, width))).astype(
        "uint16"
    )
    with rasterio.open(
        path, "w", driver="GTiff", width=width, height=height, count=2, dtype="uint16", crs=crs, transform=transform
    ) as dst:
        dst.write(red, 1)
        dst.write(nir, 2)
    ndvi = (nir.astype("float64") - red) / (nir.astype("float64") + red)
    return path, transform, ndvi


def rgb_tile(path, z=16, x=53575, y=26933):
    """An RGB uint8 image covering exactly one web-mercator tile with 256×256 pixels:
    band 1 = column index, band 2 = row index, band 3 = 200."""
    import morecantile

    tms = morecantile.tms.get("WebMercatorQuad")
    west, south, east, north = tms.xy_bounds(morecantile.Tile(x, y, z))
    transform = from_origin(west, north, (east - west) / 256, (north - south) / 256)
    cols, rows = np.meshgrid(np.arange(256), np.arange(256))
    data = np.stack([cols, rows, np.full((256, 256), 200)]).astype("uint8")
    with rasterio.open(
        path, "w", driver="GTiff", width=256, height=256, count=3, dtype="uint8", crs="EPSG:3857", transform=transform
    ) as dst:
        dst.write(data)
    return path, (z, x, y)
