from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from common.api import ModelRulesMixin
from grids.models import GridAssignment, GridCell
from responsibility.models import Duty, Party, ResponsibilityArea


class PartySerializer(ModelRulesMixin, serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Party
        fields = ["id", "kind", "name", "user", "household", "community", "label"]
        extra_kwargs = {"household": {"write_only": True}, "user": {"write_only": True}}


class AreaSerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    party_label = serializers.CharField(source="party.label", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    duties = serializers.ListField(child=serializers.ChoiceField(choices=Duty.choices), required=False)

    class Meta:
        model = ResponsibilityArea
        geo_field = "area"
        fields = [
            "id",
            "kind",
            "kind_label",
            "name",
            "community",
            "party",
            "party_label",
            "duties",
            "start",
            "end",
            "line",
            "width_m",
            "note",
        ]
        extra_kwargs = {"community": {"required": False}, "area": {"required": False, "allow_null": True}}
        derived_fields = ("community", "area", "line", "width_m")

    def to_internal_value(self, data):
        # A street segment arrives as its centreline: the polygon is derived, so the feature geometry is the line.
        props = data.get("properties") if isinstance(data, dict) else None
        if isinstance(props, dict) and props.get("kind") == ResponsibilityArea.Kind.ROAD:
            geometry = data.get("geometry")
            if isinstance(geometry, dict) and geometry.get("type") == "LineString":
                data = {**data, "geometry": None, "properties": {**data["properties"], "line": geometry}}
        return super().to_internal_value(data)


class BulkAssignmentSerializer(serializers.Serializer):
    cells = serializers.PrimaryKeyRelatedField(queryset=GridCell.objects.all(), many=True)
    worker = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=GridAssignment.Role.choices, default=GridAssignment.Role.PRIMARY)
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True)


class LookupQuerySerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    date = serializers.DateField(required=False)
