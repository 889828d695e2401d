"""Figures that come from other apps (assets, cases, layers), read through their models and services.

Each block is added when that app is installed; the zone page shows only what is available.
"""


def extra_statistics(boundary, srid):
    return {}


def demolition_overlaps(geom):
    """Demolition-plan polygons from other apps' layers overlapping geom: [(name, m²)]."""
    return []
