"""API conventions shared by every app: GeoJSON paging, bbox filtering, model rules on write."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.pagination import GeoJsonPagination

from common.geometry import as_multipolygon


class GeoPagination(GeoJsonPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class Pagination(PageNumberPagination):
    """Paging for plain (non-spatial) lists."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class BBoxFilter(InBBoxFilter):
    """?bbox=min_lon,min_lat,max_lon,max_lat keeps features intersecting the box."""

    bbox_param = "bbox"

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
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
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
