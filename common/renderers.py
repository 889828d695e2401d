"""Renderers of the API, in a module of their own: rest_framework.views reads DEFAULT_RENDERER_CLASSES when it
loads, so a renderer named there must not live in a module that imports rest_framework.views (common.api does)."""

from rest_framework.renderers import JSONRenderer

GEOJSON = "application/geo+json"


class GeoJSONRenderer(JSONRenderer):
    """JSON under the GeoJSON media type (RFC 7946), for clients that ask for application/geo+json."""

    media_type = GEOJSON
    format = "geojson"
