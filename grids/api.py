from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets

from common.api import BBoxFilter, Pagination, ViewPermissions
from common.models import PersonalDataReveal
from grids import queries
from grids.models import Compound, District, GridAssignment, Household, Street
from grids.serializers import (
    BuildingSerializer,
    CommunitySerializer,
    CompoundSerializer,
    DistrictSerializer,
    GridAssignmentSerializer,
    GridCellSerializer,
    HouseholdSerializer,
    StreetSerializer,
)

PUBLIC_READ = [permissions.DjangoModelPermissionsOrAnonReadOnly]
FILTERS = [filters.DjangoFilterBackend, BBoxFilter]


class DistrictViewSet(viewsets.ModelViewSet):
    queryset = District.objects.all()
    serializer_class = DistrictSerializer
    permission_classes = PUBLIC_READ
    filter_backends = FILTERS
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True
    filterset_fields = ["code"]


class StreetViewSet(viewsets.ModelViewSet):
    queryset = Street.objects.select_related("district")
    serializer_class = StreetSerializer
    permission_classes = PUBLIC_READ
    filter_backends = FILTERS
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True
    filterset_fields = ["district", "code"]


class CommunityViewSet(viewsets.ModelViewSet):
    queryset = queries.communities()
    serializer_class = CommunitySerializer
    permission_classes = PUBLIC_READ
    filter_backends = FILTERS
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True
    filterset_fields = ["street", "street__district", "code", "kind"]


class GridCellViewSet(viewsets.ModelViewSet):
    serializer_class = GridCellSerializer
    permission_classes = PUBLIC_READ
    filter_backends = FILTERS
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True
    filterset_fields = ["community", "community__street", "code"]

    def get_queryset(self):
        # ?on=YYYY-MM-DD shows the workers responsible on that day (history of assignments).
        on = self.request.query_params.get("on")
        if on:
            from django.utils.dateparse import parse_date
            from rest_framework.exceptions import ValidationError

            day = parse_date(on) if len(on) == 10 else None
            if day is None:
                raise ValidationError({"on": "Use a date as YYYY-MM-DD."})
            return queries.cells(day)
        return queries.cells()


class CompoundViewSet(viewsets.ModelViewSet):
    queryset = Compound.objects.all()
    serializer_class = CompoundSerializer
    permission_classes = PUBLIC_READ
    filter_backends = FILTERS
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True
    filterset_fields = ["community", "kind"]


class BuildingViewSet(viewsets.ModelViewSet):
    queryset = queries.buildings()
    serializer_class = BuildingSerializer
    permission_classes = PUBLIC_READ
    filter_backends = FILTERS
    bbox_filter_field = "footprint"
    bbox_filter_include_overlapping = True
    filterset_fields = ["cell", "community", "compound"]


@extend_schema(
    parameters=[OpenApiParameter("reveal", bool, description="Show names, phones and ID numbers unmasked (logged).")]
)
class HouseholdViewSet(viewsets.ModelViewSet):
    """Households: readable by users with the view permission; personal fields masked unless revealed."""

    queryset = queries.households()
    serializer_class = HouseholdSerializer
    permission_classes = [permissions.IsAuthenticated, ViewPermissions]
    filter_backends = FILTERS
    bbox_filter_field = "location"
    bbox_filter_include_overlapping = True
    filterset_fields = [
        "cell",
        "community",
        "building",
        "status",
        "elderly_alone",
        "low_income",
        "disabled",
        "party_center",
        "toilet",
    ]

    def get_queryset(self):
        from accounts.scoping import scope_households

        return scope_households(super().get_queryset(), self.request.user)

    def reveal_requested(self):
        user = self.request.user
        return self.request.query_params.get("reveal") in ("1", "true") and user.has_perm("grids.reveal_personal_data")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "reveal": self.reveal_requested()}

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if self.reveal_requested():
            log_reveal(request.user, self.get_object())
        return response

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if self.reveal_requested():
            ids = [f["id"] for f in response.data.get("features", [])]
            PersonalDataReveal.objects.bulk_create(
                PersonalDataReveal(
                    user=request.user,
                    model="grids.household",
                    object_id=str(i),
                    fields=",".join(Household.PERSONAL_FIELDS),
                )
                for i in ids
            )
        return response


def log_reveal(user, household):
    PersonalDataReveal.objects.create(
        user=user, model="grids.household", object_id=str(household.pk), fields=",".join(Household.PERSONAL_FIELDS)
    )


class AssignmentFilter(filters.FilterSet):
    on = filters.DateFilter(method="filter_on", label="active on (YYYY-MM-DD)")

    class Meta:
        model = GridAssignment
        fields = ["cell", "worker", "role", "cell__community"]

    def filter_on(self, queryset, name, value):
        return queryset.active_on(value)


class GridAssignmentViewSet(viewsets.ModelViewSet):
    """Assignments with their history: ?cell=ID&on=2026-03-03 answers who held the cell that day."""

    queryset = GridAssignment.objects.select_related("worker", "cell")
    serializer_class = GridAssignmentSerializer
    permission_classes = PUBLIC_READ
    pagination_class = Pagination
    filterset_class = AssignmentFilter
