"""API conventions shared by every app: GeoJSON paging, bbox filtering, model rules on write."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions, serializers
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.pagination import GeoJsonPagination


class GeoPagination(GeoJsonPagination):
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
    """Run the model's own clean() on API writes, so the API refuses what the forms refuse."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = self.instance or model()
        for key, value in attrs.items():
            if not isinstance(getattr(model, key, None), property):
                setattr(instance, key, value)
        try:
            instance.full_clean(exclude=[f for f in self._m2m_or_missing(model, attrs)], validate_unique=True)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        for key in ("boundary", "footprint", "location", "id_number"):
            if key in attrs:
                attrs[key] = getattr(instance, key)
        return attrs

    def _m2m_or_missing(self, model, attrs):
        return [f.name for f in model._meta.many_to_many]


class ViewPermissions(permissions.DjangoModelPermissions):
    """Model permissions that also guard reading (the view permission)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }
