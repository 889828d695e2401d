"""Geometry rules shared by every app: storage in EPSG:4326, measures in metres on a UTM zone."""

import math

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

STORAGE_SRID = 4326


def metric_srid(lon, lat):
    """EPSG code of the WGS 84 UTM zone holding (lon, lat): areas and lengths there are in metres."""
    zone = int(math.floor((lon + 180.0) / 6.0)) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def metric_srid_for(geom):
    c = geom.centroid if geom.srid == STORAGE_SRID else geom.transform(STORAGE_SRID, clone=True).centroid
    return metric_srid(c.x, c.y)


def to_metric(geom, srid=None):
    srid = srid or metric_srid_for(geom)
    return geom.transform(srid, clone=True)


def area_m2(geom):
    return to_metric(geom).area


def as_multipolygon(geom):
    if geom is None:
        return None
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    return geom


def _vertex_count(geom):
    return geom.num_coords


def validate_geometry(geom, *, kinds=None, label=None):
    """Raise ValidationError with a specific message when a geometry cannot be stored.

    Checks: present, expected kind, SRID 4326, coordinates within longitude/latitude bounds,
    vertex budget, and OGC validity (self-intersections, bad rings) with GEOS's reason.
    """
    label = label or _("Geometry")
    if geom is None or (hasattr(geom, "empty") and geom.empty):
        raise ValidationError(_("%(label)s is empty.") % {"label": label}, code="empty")
    if not isinstance(geom, GEOSGeometry):
        raise ValidationError(_("%(label)s is not a geometry.") % {"label": label}, code="type")
    if kinds and geom.geom_type not in kinds:
        raise ValidationError(
            _("%(label)s must be %(kinds)s, got %(got)s.")
            % {"label": label, "kinds": " / ".join(kinds), "got": geom.geom_type},
            code="kind",
        )
    if geom.srid not in (None, STORAGE_SRID):
        raise ValidationError(
            _("%(label)s must be in EPSG:4326 (longitude/latitude), got EPSG:%(srid)s.")
            % {"label": label, "srid": geom.srid},
            code="srid",
        )
    minx, miny, maxx, maxy = geom.extent
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValidationError(
            _("%(label)s has coordinates outside longitude/latitude bounds (%(extent)s): is it in another CRS?")
            % {"label": label, "extent": ", ".join(f"{v:.3f}" for v in geom.extent)},
            code="bounds",
        )
    limit = settings.GRIDWORK["MAX_VERTICES"]
    if _vertex_count(geom) > limit:
        raise ValidationError(
            _("%(label)s has %(count)s vertices; at most %(limit)s are accepted (GRIDWORK_MAX_VERTICES).")
            % {"label": label, "count": _vertex_count(geom), "limit": limit},
            code="vertices",
        )
    if not geom.valid:
        raise ValidationError(
            _("%(label)s is not a valid geometry: %(reason)s.") % {"label": label, "reason": geom.valid_reason},
            code="invalid",
        )
