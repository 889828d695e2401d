from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts import policy
from accounts.api import PolicyViewSetMixin
from common.api import BBoxFilter, Pagination
from common.params import parse_date, parse_lonlat
from grids.models import Community
from grids.serializers import GridAssignmentSerializer
from responsibility import coverage as coverage_service
from responsibility.lookup import lookup
from responsibility.models import Party, ResponsibilityArea
from responsibility.serializers import (
    AreaSerializer,
    BulkAssignmentSerializer,
    PartySerializer,
)
from responsibility.services import assign_worker


class AreaViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Responsibility areas: anyone reads; the managers of the area's community draw and change them."""

    queryset = ResponsibilityArea.objects.select_related("party__user", "party__household__building", "community")
    serializer_class = AreaSerializer
    filter_backends = [filters.DjangoFilterBackend, BBoxFilter]
    bbox_filter_field = "area"
    bbox_filter_include_overlapping = True
    filterset_fields = ["kind", "community", "party"]


class PartyViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Responsible parties: kept by the managers of their community; city departments (no community) and the
    link from a party to a user account (which lets that account act on the party's cases) by administrators."""

    queryset = Party.objects.select_related("user", "household__building")
    serializer_class = PartySerializer
    pagination_class = Pagination
    filterset_fields = ["kind", "community"]

    def save_instance(self, serializer, **extra):
        old_user = serializer.instance.user_id if serializer.instance is not None else None
        new_user = serializer.validated_data.get("user") if "user" in serializer.validated_data else old_user
        new_user = getattr(new_user, "pk", new_user)
        if new_user != old_user and not policy.may_link_user_accounts(self.request.user):
            raise PermissionDenied(gettext("Only administrators link a responsible party to a user account."))
        return serializer.save(**extra)


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
    lon, lat = parse_lonlat(request.query_params)
    return Response(lookup(lon, lat, parse_date(request.query_params, "date")))


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
    report, overlaps = coverage_service.coverage(community, parse_date(request.query_params, "date"))
    return Response(
        {
            "community": community.name,
            "kinds": CoverageKindSerializer(report, many=True).data,
            "overlaps": [{"kind": k, "a": a, "b": b, "area_m2": m2} for k, a, b, m2 in overlaps],
        }
    )
