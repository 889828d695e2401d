"""API conventions shared by every app: GeoJSON paging, bbox filtering, model rules on write."""

from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.pagination import GeoJsonPagination

from common import deletion
from common.errors import api_error
from common.geometry import as_multipolygon
from common.params import ParamError, parse_bbox, parse_int, raw


def exception_handler(exc, context):
    """DRF's handler, plus: a bad query parameter (ParamError) is a 400 {"field": ["message"]}; a delete refused
    because other records still refer to the record (ProtectedError, RestrictedError) is a 409 saying which."""
    if isinstance(exc, ParamError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, deletion.BLOCKING):
        return Response(deletion.conflict_data(exc), status=status.HTTP_409_CONFLICT)
    # Imported here: rest_framework.views reads the renderer and pagination classes of this module when it loads.
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


class StrictPageParams:
    """?page= and ?page_size= read by common.params: a page that is not a positive whole number (or "last") and a
    page size that is not one are 400s naming the parameter; a page size above the maximum is cut to it."""

    def get_page_number(self, request, paginator):
        text = raw(request.query_params, self.page_query_param)
        if text is None or text in self.last_page_strings:
            return text or 1
        return parse_int(request.query_params, self.page_query_param, min=1)

    def get_page_size(self, request):
        if self.page_size_query_param:
            size = parse_int(request.query_params, self.page_size_query_param, min=1)
            if size is not None:
                return min(size, self.max_page_size) if self.max_page_size else size
        return self.page_size


GEOJSON = "application/geo+json"


class GeoJSONRenderer(JSONRenderer):
    """JSON under the GeoJSON media type (RFC 7946), for clients that ask for application/geo+json."""

    media_type = GEOJSON
    format = "geojson"


def asks_plain_json(request):
    """The client named application/json and not GeoJSON: it keeps getting application/json."""
    accept = request.META.get("HTTP_ACCEPT", "")
    return "application/json" in accept and GEOJSON not in accept


class GeoPagination(StrictPageParams, GeoJsonPagination):
    """GeoJSON pages answered as application/geo+json (application/json to clients asking for it), with RFC 8288
    Link headers (rel="next", rel="prev") besides the next/previous members, for clients that page by header."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        links = [(self.get_next_link(), "next"), (self.get_previous_link(), "prev")]
        header = ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links if url)
        if header:
            response["Link"] = header
        renderer = getattr(self.request, "accepted_renderer", None)
        if isinstance(renderer, JSONRenderer) and not asks_plain_json(self.request):
            response.content_type = GEOJSON
        return response


class Pagination(StrictPageParams, PageNumberPagination):
    """Paging for plain (non-spatial) lists."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class BBoxFilter(InBBoxFilter):
    """?bbox=min_lon,min_lat,max_lon,max_lat keeps features intersecting the box."""

    bbox_param = "bbox"

    def get_filter_bbox(self, request):
        """The box from common.params.parse_bbox: NaN, infinities, out-of-range or reversed boxes are 400s."""
        box = parse_bbox(request.query_params, self.bbox_param)
        return None if box is None else Polygon.from_bbox(box)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.bbox_param,
                "required": False,
                "in": "query",
                "description": "min_lon,min_lat,max_lon,max_lat (EPSG:4326)",
                "schema": {"type": "string"},
            }
        ]


class ModelRulesMixin:
    """Run the model's own clean() on API writes, so the API refuses what the forms refuse.

    Values that clean() normalises or derives (geometries made multi, a community found from the geometry…)
    are carried back into the validated data; list extra derived fields in Meta.derived_fields.
    """

    def to_internal_value(self, data):
        from rest_framework_gis.serializers import GeoFeatureModelSerializer

        if isinstance(self, GeoFeatureModelSerializer):
            if not isinstance(data, dict):
                raise serializers.ValidationError({"non_field_errors": ["Send a GeoJSON Feature object."]})
            if not isinstance(data.get("properties", {}), dict):
                raise serializers.ValidationError({"properties": ["Properties must be a JSON object."]})
            geometry = data.get("geometry")
            if geometry is not None and not isinstance(geometry, dict):
                raise serializers.ValidationError({"geometry": ["Geometry must be a GeoJSON geometry object or null."]})
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = self.instance or model()
        concrete = {f.name for f in model._meta.concrete_fields}
        for key, value in attrs.items():
            if key in concrete:
                field = model._meta.get_field(key)
                if getattr(field, "geom_type", None) == "MULTIPOLYGON":
                    value = attrs[key] = as_multipolygon(value)
                setattr(instance, key, value)
        try:
            instance.full_clean(exclude=[f.name for f in model._meta.many_to_many])
        except DjangoValidationError as exc:
            raise api_error(exc)
        for key in set(attrs) | set(getattr(self.Meta, "derived_fields", ())):
            if key in concrete:
                attrs[key] = getattr(instance, key)
        return attrs


class ViewPermissions(permissions.DjangoModelPermissions):
    """Model permissions that also guard reading (the view permission)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }
