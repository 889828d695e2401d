from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets

from accounts import policy
from accounts.api import PolicyViewSetMixin
from common.api import BBoxFilter, Pagination
from common.models import PersonalDataReveal
from common.params import check_date, parse_date
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

FILTERS = [filters.DjangoFilterBackend, BBoxFilter]


class PlacesViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """The read/write API of one kind of place, filtered by its fields and by ?in_bbox= on its geometry
    (`bbox_filter_field`; anything that touches the box)."""

    filter_backends = FILTERS
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True


class DistrictViewSet(PlacesViewSet):
    queryset = District.objects.all()
    serializer_class = DistrictSerializer
    filterset_fields = ["code"]


class StreetViewSet(PlacesViewSet):
    queryset = Street.objects.select_related("district")
    serializer_class = StreetSerializer
    filterset_fields = ["district", "code"]


class CommunityViewSet(PlacesViewSet):
    queryset = queries.communities()
    serializer_class = CommunitySerializer
    filterset_fields = ["street", "street__district", "code", "kind"]


class GridCellViewSet(PlacesViewSet):
    serializer_class = GridCellSerializer
    filterset_fields = ["community", "community__street", "code"]

    def get_queryset(self):
        # ?on=YYYY-MM-DD shows the workers responsible on that day (history of assignments).
        return queries.cells(parse_date(self.request.query_params, "on"))


class CompoundViewSet(PlacesViewSet):
    queryset = Compound.objects.all()
    serializer_class = CompoundSerializer
    filterset_fields = ["community", "kind"]


class BuildingViewSet(PlacesViewSet):
    queryset = queries.buildings()
    serializer_class = BuildingSerializer
    bbox_filter_field = "footprint"
    filterset_fields = ["cell", "community", "compound"]


REVEAL = "grids.reveal_personal_data"


@extend_schema(
    parameters=[OpenApiParameter("reveal", bool, description="Show names, phones and ID numbers unmasked (logged).")]
)
class HouseholdViewSet(PlacesViewSet):
    """Households: readable by users with the view permission; personal fields masked unless revealed."""

    queryset = queries.households()
    serializer_class = HouseholdSerializer
    bbox_filter_field = "location"
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
        qs = super().get_queryset()
        if self.reveal_requested():
            # ?reveal=1 lists the households whose personal data the user may reveal (their own area's).
            qs = policy.scope(self.request.user, REVEAL, qs)
        return qs

    def reveal_requested(self):
        user = self.request.user
        return self.request.query_params.get("reveal") in ("1", "true") and policy.may_somewhere(
            user, REVEAL, Household
        )

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
        return queryset.active_on(check_date(value, "on"))


class GridAssignmentViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Assignments with their history: ?cell=ID&on=2026-03-03 answers who held the cell that day."""

    queryset = GridAssignment.objects.select_related("worker", "cell")
    serializer_class = GridAssignmentSerializer
    pagination_class = Pagination
    filterset_class = AssignmentFilter
