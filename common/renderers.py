"""Renderers of the API, in a module of their own: rest_framework.views reads DEFAULT_RENDERER_CLASSES when it
loads, so a renderer named there must not live in a module that imports rest_framework.views (common.api does)."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

GEOJSON = "application/geo+json"


class GeoJSONRenderer(JSONRenderer):
    """JSON under the GeoJSON media type (RFC 7946), for clients that ask for application/geo+json."""

    media_type = GEOJSON
    format = "geojson"


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that an unknown ?format= is the client's mistake (400 naming the formats on
    offer), not a missing page (DRF answers 404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        asked = None if format_suffix else request.query_params.get(api_settings.URL_FORMAT_OVERRIDE)
        if asked is not None:
            offered = [renderer.format for renderer in renderers]
            if asked not in offered:
                raise ValidationError(
                    {
                        api_settings.URL_FORMAT_OVERRIDE: [
                            _("Unknown format “%(asked)s”; this address answers in: %(offered)s.")
                            % {"asked": asked[:40], "offered": ", ".join(offered)}
                        ]
                    }
                )
        return super().select_renderer(request, renderers, format_suffix)
