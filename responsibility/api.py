from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from common.api import BBoxFilter, Pagination
from grids.models import Community
from grids.serializers import GridAssignmentSerializer
from responsibility import coverage as coverage_service
from responsibility.lookup import as_dict, who_is_responsible
from responsibility.models import Party, ResponsibilityArea
from responsibility.serializers import (
    AreaSerializer,
    BulkAssignmentSerializer,
    LookupQuerySerializer,
    PartySerializer,
)
from responsibility.services import assign_worker


class ManagesCommunity(permissions.BasePermission):
    """Anyone reads; only managers of the area's community change it."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or request.user.is_authenticated

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or obj.community.is_managed_by(request.user)


class AreaViewSet(viewsets.ModelViewSet):
    queryset = ResponsibilityArea.objects.select_related("party__user", "party__household__building", "community")
    serializer_class = AreaSerializer
    permission_classes = [ManagesCommunity]
    filter_backends = [filters.DjangoFilterBackend, BBoxFilter]
    bbox_filter_field = "area"
    bbox_filter_include_overlapping = True
    filterset_fields = ["kind", "community", "party"]

    def perform_create(self, serializer):
        community = serializer.validated_data.get("community")
        if community is None or not community.is_managed_by(self.request.user):
            raise PermissionDenied("You do not manage the community this area lies in.")
        serializer.save()

    def perform_update(self, serializer):
        community = serializer.validated_data.get("community") or serializer.instance.community
        if not community.is_managed_by(self.request.user):
            raise PermissionDenied("You do not manage the community this area lies in.")
        serializer.save()


class PartyViewSet(viewsets.ModelViewSet):
    queryset = Party.objects.select_related("user", "household__building")
    serializer_class = PartySerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = Pagination
    filterset_fields = ["kind"]


@extend_schema(
    parameters=[
        OpenApiParameter("lon", float, required=True),
        OpenApiParameter("lat", float, required=True),
        OpenApiParameter("date", str, description="YYYY-MM-DD; today when omitted"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def responsibility_lookup(request):
    """Who is responsible here: grid cell, its worker(s), and every responsibility area covering the point."""
    query = LookupQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    q = query.validated_data
    return Response(as_dict(who_is_responsible(q["lon"], q["lat"], q.get("date"))))


@extend_schema(request=BulkAssignmentSerializer, responses={201: GridAssignmentSerializer(many=True)})
@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated])
def bulk_assign(request):
    """Assign one worker to several cells at once (managers of those cells' communities only)."""
    data = BulkAssignmentSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    d = data.validated_data
    try:
        created = assign_worker(
            request.user, [c.pk for c in d["cells"]], d["worker"], d["role"], d["start"], d.get("end")
        )
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc))
    except DjangoValidationError as exc:
        raise ValidationError(exc.messages)
    return Response(GridAssignmentSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class CoverageKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    areas = serializers.IntegerField()
    area_m2 = serializers.FloatField()
    covered_m2 = serializers.FloatField()
    area_share = serializers.FloatField()
    road_m = serializers.FloatField()
    covered_road_m = serializers.FloatField()
    road_share = serializers.FloatField()


@extend_schema(parameters=[OpenApiParameter("date", str)], responses={200: CoverageKindSerializer(many=True)})
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def community_coverage(request, pk):
    community = get_object_or_404(Community, pk=pk)
    query = LookupQuerySerializer(data={"lon": 0, "lat": 0, **request.query_params.dict()})
    query.is_valid(raise_exception=True)
    report, overlaps = coverage_service.coverage(community, query.validated_data.get("date"))
    return Response(
        {
            "community": community.name,
            "kinds": CoverageKindSerializer(report, many=True).data,
            "overlaps": [{"kind": k, "a": a, "b": b, "area_m2": m2} for k, a, b, m2 in overlaps],
        }
    )
