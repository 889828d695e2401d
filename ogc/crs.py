"""CRS by reference (OGC API Features Part 2): CRS84 (the default), EPSG:4326, CGCS2000 (EPSG:4490) and the
city's Gauss-Krüger zone, named by their OGC URIs. Axis order follows the EPSG definition, as Part 2 requires:
CRS84 is longitude, latitude; EPSG:4326, 4490 and the CGCS2000 Gauss-Krüger zones put north first."""

from functools import cache

from django.conf import settings
from django.utils.translation import gettext as _
from pyproj import CRS

from common.params import ParamError, shown

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"


def srids():
    return [4326, *[s for s in settings.OGC_SRIDS if s != 4326]]


def supported():
    return [CRS84, *[EPSG_URI.format(s) for s in srids()]]


@cache
def north_first(srid):
    return CRS.from_epsg(srid).axis_info[0].direction in ("north", "south")


def parse(params, name):
    """(srid, flip) of the CRS named by ?name= (CRS84 when absent); 400 naming the supported ones otherwise."""
    value = params.get(name)
    if not value or value == CRS84:
        return 4326, False
    for srid in srids():
        if value in (EPSG_URI.format(srid), f"[EPSG:{srid}]", f"EPSG:{srid}"):
            return srid, north_first(srid)
    raise ParamError(
        name,
        _("%(name)s %(value)s is not offered; use one of: %(list)s")
        % {"name": name, "value": shown(value), "list": ", ".join(supported())},
    )


def uri(srid, flip):
    return CRS84 if srid == 4326 and not flip else EPSG_URI.format(srid)
