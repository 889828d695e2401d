"""Renovation zones (GeoJSON with their statistics), adjacent compounds, live preview, votes and pending households.

Zones and projects are for planners (model permissions, reading included); the pending-household map is for
those who record votes, and shows door plates only.
"""

import json

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from accounts import policy
from accounts.api import PolicyViewSetMixin
from common.api import BBoxFilter, GeoPagination, ModelRulesMixin, Pagination
from common.params import parse_float
from grids.models import Building, Compound, Household
from planning import consent as consent_service
from planning import services as zone_services
from planning import stats as stats_service
from planning.models import Project, Vote, Zone

MAX_ADJACENT_M = 2000


class ZoneSerializer(ModelRulesMixin, GeoFeatureModelSerializer):
    boundary = GeometryField(required=False, allow_null=True)
    compound_ids = serializers.PrimaryKeyRelatedField(
        queryset=Compound.objects.all(), many=True, write_only=True, required=False
    )
    building_ids = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.all(), many=True, write_only=True, required=False
    )
    compounds = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    buffer_m = serializers.FloatField(min_value=0, max_value=500, required=False)

    class Meta:
        model = Zone
        geo_field = "boundary"
        fields = [
            "id",
            "name",
            "boundary",
            "buffer_m",
            "compound_ids",
            "building_ids",
            "compounds",
            "stats",
            "stats_at",
        ]
        read_only_fields = ["stats", "stats_at"]

    def validate(self, attrs):
        compounds = attrs.pop("compound_ids", [])
        buildings = attrs.pop("building_ids", [])
        if compounds or buildings:
            attrs["boundary"] = stats_service.union_of(
                [c.pk for c in compounds], [b.pk for b in buildings], attrs.get("buffer_m") or 0
            )
        elif attrs.get("boundary") is None and self.instance is None:
            raise ValidationError({"boundary": gettext("Draw the zone, or choose compounds or buildings for it.")})
        return super().validate(attrs)


class Conflict(APIException):
    status_code = 409
    default_code = "conflict"


class ZoneEditorPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return policy.may_somewhere(user, "add", Zone) or policy.may_somewhere(user, "change", Zone)


class ZoneViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Zones touching the user's area are read; zones inside it are drawn and changed (accounts.policy)."""

    queryset = Zone.objects.prefetch_related("compounds")
    serializer_class = ZoneSerializer
    pagination_class = GeoPagination
    filter_backends = [BBoxFilter]
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True

    def perform_create(self, serializer):
        self.guarded_save(serializer, "add", created_by=self.request.user)

    def save_instance(self, serializer, **extra):
        """Save; the statistics follow a new or redrawn boundary once the save has committed (before the answer,
        which reads the zone again)."""
        old = zone_services.stored_boundary(serializer.instance)
        zone = serializer.save(**extra)
        zone_services.refresh_after_commit(zone, old)
        return zone

    def perform_destroy(self, instance):
        if instance.projects.exists():
            raise Conflict(
                gettext("The zone has renovation projects (%(names)s); it cannot be deleted.")
                % {"names": ", ".join(instance.projects.values_list("name", flat=True)[:5])}
            )
        instance.delete()

    def get_permissions(self):
        if self.action == "preview":
            # Trying a geometry saves nothing: anyone who may draw or redraw a zone may preview one.
            return [ZoneEditorPermission()]
        return super().get_permissions()

    @action(detail=False, methods=["post"])
    def preview(self, request):
        """The statistics a zone with this geometry would have, without saving it."""
        props = request.data.get("properties") if isinstance(request.data, dict) else None
        if not isinstance(props, dict):
            raise ValidationError(gettext("Send a GeoJSON Feature with a geometry or with compound_ids."))
        data = ZoneSerializer(data={**request.data, "properties": {**props, "name": "preview"}})
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            zone = zone_services.refresh_statistics(data.save())  # computed now: the transaction is rolled back
            result = {"stats": zone.stats, "geometry": zone.boundary.json}
            transaction.set_rollback(True)
        return Response(result)

    @action(detail=True)
    def adjacent(self, request, pk=None):
        """Compounds outside the zone within ?distance= metres (default 100), nearest first."""
        zone = self.get_object()
        distance = parse_float(request.query_params, "distance", default=100.0, min=0, max=MAX_ADJACENT_M)
        inside = list(zone.compounds.values_list("pk", flat=True))
        rows = stats_service.adjacent_compounds(zone.boundary, distance, exclude=inside)
        return Response(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": c.pk,
                        "geometry": json.loads(c.boundary.json),
                        "properties": {"name": c.name, "distance_m": round(c.distance.m, 1)},
                    }
                    for c in rows
                ],
            }
        )


class VoteSerializer(serializers.Serializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all())
    choice = serializers.ChoiceField(choices=Vote.Choice.choices)


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "name", "zone", "stage", "published_on", "comment_days"]


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Projects (read) with the consent survey: record a vote, consent rates, households not yet voted."""

    queryset = Project.objects.select_related("zone")
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = Pagination

    serializer_class = ProjectSerializer

    def get_queryset(self):
        return policy.scope(self.request.user, "view", self.queryset)

    def _project_for_votes(self, pk):
        if not policy.may_somewhere(self.request.user, "planning.add_vote", Household):
            raise PermissionDenied(gettext("Only grid workers and planners see and record votes."))
        if not str(pk).isdigit():
            raise NotFound()
        return get_object_or_404(self.get_queryset().select_related("zone"), pk=pk)

    @action(detail=True, methods=["post"], serializer_class=VoteSerializer)
    def votes(self, request, pk=None):
        project = self._project_for_votes(pk)
        data = VoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            consent_service.record_vote(
                project,
                data.validated_data["household"],
                data.validated_data["choice"],
                channel=Vote.Channel.WORKER,
                user=request.user,
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc))
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages)
        rate = consent_service.consent(project, project.zone.boundary)
        return Response(rate.as_dict(), status=status.HTTP_201_CREATED)

    @action(detail=True)
    def consent(self, request, pk=None):
        project = self._project_for_votes(pk)
        return Response(consent_service.consent(project, project.zone.boundary).as_dict())

    @action(detail=True)
    def pending(self, request, pk=None):
        """Households that have not voted, as points labelled by door plate (no names, no phones)."""
        project = self._project_for_votes(pk)
        rows = consent_service.not_voted(project).select_related("building").order_by("building__name", "unit", "room")
        return Response(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": h.pk,
                        "geometry": {"type": "Point", "coordinates": [h.location.x, h.location.y]},
                        "properties": {"door_plate": h.door_plate},
                    }
                    for h in rows
                ],
            }
        )
