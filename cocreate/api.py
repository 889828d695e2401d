"""API: the needs lists (public, GeoJSON, without who posted them) and mediations (private: the community's
mediators, the parties' grid worker and administrators read them; never public)."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from accounts.api import PolicyViewSetMixin
from cocreate.models import Mediation, Need
from common.api import BBoxFilter, GeoPagination, Pagination


class NeedSerializer(GeoFeatureModelSerializer):
    class Meta:
        model = Need
        geo_field = "location"
        fields = ["id", "title", "description", "topic", "status", "supporters", "community", "cell", "created_at"]
        read_only_fields = fields


class NeedViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """需求清单 on the map: public, with the number of supporters; who posted a need is never given."""

    queryset = Need.objects.all()
    serializer_class = NeedSerializer
    pagination_class = GeoPagination
    filter_backends = [BBoxFilter, DjangoFilterBackend]
    bbox_filter_field = "location"
    filterset_fields = ["community", "cell", "status", "topic"]


class MediationSerializer(serializers.ModelSerializer):
    parties = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Mediation
        fields = [
            "id",
            "subject",
            "description",
            "received_on",
            "status",
            "community",
            "community_name",
            "cell",
            "parties",
            "agreed_on",
        ]
        read_only_fields = fields

    def get_parties(self, obj) -> list[str]:
        return [h.door_plate for h in obj.parties.all()]


class MediationViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Mediations of disputes: read by the community's mediators and the parties' grid worker only."""

    queryset = Mediation.objects.select_related("community").prefetch_related("parties__building")
    serializer_class = MediationSerializer
    pagination_class = Pagination
    filterset_fields = ["community", "status"]
