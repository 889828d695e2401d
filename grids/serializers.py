from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from common.api import ModelRulesMixin
from grids.models import Building, Community, Compound, District, GridAssignment, GridCell, Household, Street


class DistrictSerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    class Meta:
        model = District
        geo_field = "boundary"
        fields = ["id", "code", "name"]


class StreetSerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    full_code = serializers.CharField(read_only=True)

    class Meta:
        model = Street
        geo_field = "boundary"
        fields = ["id", "district", "code", "full_code", "name"]


class CommunitySerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    full_code = serializers.CharField(read_only=True)
    street_name = serializers.CharField(source="street.name", read_only=True)
    cell_count = serializers.IntegerField(read_only=True)
    household_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Community
        geo_field = "boundary"
        fields = ["id", "street", "street_name", "code", "full_code", "name", "kind", "cell_count", "household_count"]


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "object", "properties": {"name": {"type": "string"}, "role": {"type": "string"}}},
    }
)
class WorkerField(serializers.Field):
    def to_representation(self, cell):
        return [
            {"name": a.worker.get_full_name() or a.worker.username, "role": a.role}
            for a in getattr(cell, "current_assignments", [])
        ]


class GridCellSerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    workers = WorkerField(source="*", read_only=True, help_text=_("Grid workers responsible today"))
    household_count = serializers.IntegerField(read_only=True)
    building_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = GridCell
        geo_field = "boundary"
        fields = [
            "id",
            "community",
            "community_name",
            "serial",
            "code",
            "name",
            "workers",
            "household_count",
            "building_count",
        ]
        read_only_fields = ["serial", "code"]


class CompoundSerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    class Meta:
        model = Compound
        geo_field = "boundary"
        fields = ["id", "community", "name", "kind"]


class BuildingSerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    # null outside every cell, on PATCH answers too (a dotted source "cell.code" falls back to its default only
    # on full answers; on a partial update DRF skips it, which a GeoJSON feature's properties cannot do: a 500).
    cell_code = serializers.SlugRelatedField(source="cell", slug_field="code", read_only=True, allow_null=True)
    household_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Building
        geo_field = "footprint"
        fields = [
            "id",
            "name",
            "compound",
            "year_built",
            "storeys",
            "units",
            "cell",
            "cell_code",
            "community",
            "household_count",
        ]
        read_only_fields = ["cell", "community"]


class HouseholdSerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    """Personal fields are masked unless the request asked to reveal and may (see HouseholdViewSet)."""

    door_plate = serializers.CharField(read_only=True)
    # null outside every cell, on PATCH answers too (a dotted source "cell.code" falls back to its default only
    # on full answers; on a partial update DRF skips it, which a GeoJSON feature's properties cannot do: a 500).
    cell_code = serializers.SlugRelatedField(source="cell", slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Household
        geo_field = "location"
        fields = [
            "id",
            "door_plate",
            "building",
            "unit",
            "room",
            "address",
            *Household.REGISTER_FIELDS,
            "cell",
            "cell_code",
            "community",
        ]
        read_only_fields = ["cell", "community"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("reveal"):
            props = data["properties"]
            for name in Household.PERSONAL_FIELDS:
                props[name] = instance.masked(name)
        return data


class GridAssignmentSerializer(ModelRulesMixin, serializers.ModelSerializer):
    worker_name = serializers.SerializerMethodField()

    class Meta:
        model = GridAssignment
        fields = ["id", "cell", "worker", "worker_name", "role", "start", "end"]

    def get_worker_name(self, obj) -> str:
        return obj.worker.get_full_name() or obj.worker.username
