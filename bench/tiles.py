"""Web-Mercator tile arithmetic for the tile benchmarks: which z/x/y tiles cover the city, sampled with a seed."""

import math
import random


def lonlat_to_tile(lon, lat, z):
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tiles_covering(extent, z):
    """Every tile of zoom z that touches the lon/lat extent (xmin, ymin, xmax, ymax)."""
    x0, y1 = lonlat_to_tile(extent[0], extent[1], z)
    x1, y0 = lonlat_to_tile(extent[2], extent[3], z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def sample_tiles(extent, zooms, per_zoom, seed):
    """Up to per_zoom tiles of each zoom inside the extent, the same ones for the same seed."""
    rng = random.Random(seed)
    out = []
    for z in zooms:
        tiles = tiles_covering(extent, z)
        out += tiles if len(tiles) <= per_zoom else rng.sample(tiles, per_zoom)
    return out


def tile_bounds(z, x, y):
    """(west, south, east, north) of an XYZ tile in degrees."""
    n = 2.0**z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def tile_params(z, x, y):
    """Query parameters of a tile: z, x, y and its lon/lat box padded by 1/64 of its width on every side."""
    west, south, east, north = tile_bounds(z, x, y)
    pad = (east - west) / 64
    return {"z": z, "x": x, "y": y, "w": west - pad, "s": south - pad, "e": east + pad, "n": north + pad}
