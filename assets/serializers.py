from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from assets.models import (
    SORTING_CHOICES,
    Adoption,
    Asset,
    AssetFamily,
    AssetPhoto,
    AssetType,
    Inspection,
    MaintenanceLog,
)
from common.api import ModelRulesMixin


class AssetTypeSerializer(serializers.ModelSerializer):
    full_code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    family_code = serializers.CharField(source="family.code", read_only=True)

    class Meta:
        model = AssetType
        fields = [
            "id",
            "family",
            "family_code",
            "code",
            "full_code",
            "name",
            "name_en",
            "label",
            "geometry_kind",
            "has_opening_hours",
            "has_capacity",
            "capacity_unit",
            "accepts_sorting",
            "green_area",
            "adoptable",
            "public",
        ]


class AssetFamilySerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    types = AssetTypeSerializer(many=True, read_only=True)

    class Meta:
        model = AssetFamily
        fields = ["id", "code", "name", "name_en", "label", "colour", "types"]


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetPhoto
        fields = ["id", "image", "caption", "created_at"]
        read_only_fields = ["created_at"]


class AssetSerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    """A public record: nothing personal; an adoption shows only as adopted or open."""

    type_code = serializers.CharField(source="type.full_code", read_only=True)
    type_name = serializers.CharField(source="type.label", read_only=True)
    family_code = serializers.CharField(source="type.family.code", read_only=True)
    # null outside every cell, on PATCH answers too (a dotted source "cell.code" falls back to its default only
    # on full answers; on a partial update DRF skips it, which a GeoJSON feature's properties cannot do: a 500).
    cell_code = serializers.SlugRelatedField(source="cell", slug_field="code", read_only=True, allow_null=True)
    opening_hours = serializers.CharField(read_only=True)
    open_now = serializers.SerializerMethodField()
    adoption = serializers.SerializerMethodField()
    sorting = serializers.ListField(child=serializers.ChoiceField(choices=SORTING_CHOICES), required=False)
    sorting_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    capacity_unit = serializers.CharField(source="type.capacity_unit", read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Asset
        geo_field = "geom"
        fields = [
            "id",
            "identifier",
            "name",
            "type",
            "type_code",
            "type_name",
            "family_code",
            "condition",
            "owner",
            "department",
            "open_24h",
            "opens_at",
            "closes_at",
            "opening_hours",
            "open_now",
            "accessible",
            "sorting",
            "sorting_labels",
            "capacity",
            "capacity_unit",
            "area_m2",
            "length_m",
            "open_for_adoption",
            "adoption",
            "cell",
            "cell_code",
            "community",
            "note",
            "photos",
        ]
        read_only_fields = ["identifier", "area_m2", "length_m", "cell", "community"]

    def get_open_now(self, obj) -> bool | None:
        return obj.is_open_at(self.context.get("now"))

    def get_adoption(self, obj) -> str | None:
        """ "adopted" while an approved adoption holds today, "open" when offered and free, else null."""
        adopted = getattr(obj, "adopted_now", None)
        if adopted is None:
            adopted = obj.active_adoption() is not None
        if adopted:
            return "adopted"
        return "open" if obj.open_for_adoption else None


class NearestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    identifier = serializers.CharField()
    name = serializers.CharField()
    type_code = serializers.CharField(source="type.full_code")
    type_name = serializers.CharField(source="type.label")
    distance_m = serializers.FloatField()
    lon = serializers.FloatField(source="anchor.x")
    lat = serializers.FloatField(source="anchor.y")
    opening_hours = serializers.CharField()
    open_now = serializers.SerializerMethodField()
    accessible = serializers.BooleanField(allow_null=True)

    def get_open_now(self, obj) -> bool | None:
        return obj.is_open_at()


class PopupSerializer(serializers.Serializer):
    """What the public map's popup of one facility shows, fetched when it is clicked: public fields only (no owner,
    note, photos or people)."""

    id = serializers.IntegerField()
    identifier = serializers.CharField()
    name = serializers.CharField()
    family = serializers.CharField(source="type.family.code")
    type_code = serializers.CharField(source="type.full_code")
    type_name = serializers.CharField(source="type.label")
    condition = serializers.CharField()
    opening_hours = serializers.CharField()
    open_now = serializers.SerializerMethodField()
    accessible = serializers.BooleanField(allow_null=True)
    sorting = serializers.ListField(child=serializers.CharField())
    capacity = serializers.IntegerField(allow_null=True)
    capacity_unit = serializers.CharField(source="type.capacity_unit")
    area_m2 = serializers.FloatField(allow_null=True)
    department = serializers.CharField()
    adoption = serializers.SerializerMethodField()
    lon = serializers.FloatField(source="anchor.x")
    lat = serializers.FloatField(source="anchor.y")

    def get_open_now(self, obj) -> bool | None:
        return obj.is_open_at()

    def get_adoption(self, obj) -> str | None:
        """ "adopted" while an approved adoption holds today, "open" when offered and free, else null."""
        if obj.adopted_now:
            return "adopted"
        return "open" if obj.open_for_adoption else None


class SearchResultSerializer(serializers.Serializer):
    """One search hit: what the result list shows, and where it is (distance only when a centre was given)."""

    id = serializers.IntegerField()
    identifier = serializers.CharField()
    name = serializers.CharField()
    type_code = serializers.CharField(source="type.full_code")
    type_name = serializers.CharField(source="type.label")
    family = serializers.CharField(source="type.family.code")
    distance_m = serializers.SerializerMethodField()
    lon = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()

    def get_distance_m(self, obj) -> float | None:
        d = getattr(obj, "distance_m", None)
        return None if d is None else round(d, 1)

    def get_lon(self, obj) -> float:
        return round(obj.anchor.x, 6)

    def get_lat(self, obj) -> float:
        return round(obj.anchor.y, 6)


class InspectionSerializer(serializers.ModelSerializer):
    inspector_name = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "asset", "inspector", "inspector_name", "inspected_at", "condition", "note", "photo"]
        read_only_fields = ["asset", "inspector"]

    def get_inspector_name(self, obj) -> str:
        return obj.inspector.get_full_name() or obj.inspector.username


@extend_schema_field({"type": "string"})
class MaskedField(serializers.CharField):
    """Personal data: masked unless the serializer context says it may be shown (staff reveal, own record)."""

    def get_attribute(self, instance):
        self._instance = instance
        return super().get_attribute(instance)

    def to_representation(self, value):
        inst = self._instance
        if self.context.get("reveal") or (self.context.get("user") and inst.applicant_id == self.context["user"].pk):
            return value
        return inst.masked(self.field_name)


class MaintenanceLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaintenanceLog
        fields = ["id", "adoption", "date", "work", "photo"]
        read_only_fields = ["adoption"]


class AdoptionSerializer(ModelRulesMixin, serializers.ModelSerializer):
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    adopter_name = MaskedField(max_length=100)
    contact_phone = MaskedField(max_length=20)
    last_maintained = serializers.DateField(read_only=True, allow_null=True)
    is_expired = serializers.BooleanField(read_only=True, default=False)
    is_lapsed = serializers.BooleanField(read_only=True, default=False)
    logs = MaintenanceLogSerializer(many=True, read_only=True)

    class Meta:
        model = Adoption
        fields = [
            "id",
            "asset",
            "asset_name",
            "adopter_kind",
            "adopter_name",
            "contact_phone",
            "start",
            "end",
            "agreement",
            "status",
            "review_note",
            "reviewed_at",
            "last_maintained",
            "is_expired",
            "is_lapsed",
            "logs",
        ]
        read_only_fields = ["status", "review_note", "reviewed_at"]
        extra_kwargs = {"start": {"help_text": _("first day of the adoption")}}

    def validate(self, attrs):
        if self.instance is None:
            attrs["applicant"] = self.context["request"].user
        return super().validate(attrs)
