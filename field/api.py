"""The field workspace's sync API: what a phone queued (maybe offline) is sent here once the network is back.

Sessions and CSRF like the rest of the API (DRF's SessionAuthentication enforces the CSRF token). Each item carries
the id the phone gave it (a UUID): sending it again answers the same case and takes no second step."""

import json

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from cases import services, workflow
from cases.access import may_open_staff_pages, queued_by_another
from cases.models import Case, State
from common.errors import error_dict
from field import inbox
from field.models import Patrol


class OtherAccount(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "account"


class FieldStaff(permissions.BasePermission):
    """Signed-in staff who read cases (grid workers, handlers, dispatchers, managers). An item the phone queued names
    the account it was made under (`account`); sent under any other session (a page kept from before a sign-in on a
    shared phone) it is refused with the code "account" and nothing is recorded, so the phone keeps it."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated and may_open_staff_pages(request.user)):
            return False
        if request.method == "POST" and queued_by_another(request.user, request.data.get("account")):
            message = _("This was made under another account: it is sent when that account is signed in here.")
            raise OtherAccount({"detail": message, "code": "account"})
        return True


class ReportIn(serializers.Serializer):
    client_id = serializers.UUIDField()
    category = serializers.CharField(max_length=4)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=6)


class CaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    url = serializers.CharField()
    created = serializers.BooleanField()


class ActIn(serializers.Serializer):
    client_id = serializers.UUIDField()
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=6)


def case_out(case, created):
    return {
        "id": case.pk,
        "number": case.number,
        "state": case.state,
        "state_label": str(State(case.state).label),
        "url": reverse("cases:detail", args=[case.pk]),
        "created": created,
    }


def photos_of(request):
    return request.FILES.getlist("photos")


class ReportView(APIView):
    """A case reported from the phone (description optional: the category says what it is)."""

    permission_classes = [FieldStaff]

    @extend_schema(request={"multipart/form-data": ReportIn}, responses={200: CaseOut, 201: CaseOut})
    def post(self, request):
        fields = ("client_id", "category", "lon", "lat", "description", "address")
        form = ReportIn(
            data={**{k: request.data.get(k) for k in fields if k in request.data}, "photos": photos_of(request)}
        )
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            category = services.category_by_code(d["category"])
            case, created = services.submit_once(
                services.Report(
                    kind=Case.Kind.PROBLEM,
                    category=category,
                    description=d["description"].strip() or str(category),
                    location=Point(d["lon"], d["lat"], srid=4326),
                    reporter=request.user,
                    address=d["address"],
                    photos=d["photos"],
                    source="field",
                    client_id=d["client_id"],
                )
            )
        except services.DuplicateReport as exc:
            return Response(
                {
                    "detail": exc.messages[0],
                    "case": case_out(exc.case, False),
                },
                status=status.HTTP_409_CONFLICT,
            )
        except ValidationError as exc:
            return Response(error_dict(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(case_out(case, created), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ActView(APIView):
    """One step of the case flow from the phone (verify, send back, start, handled): cases.workflow decides."""

    permission_classes = [FieldStaff]

    @extend_schema(request={"multipart/form-data": ActIn}, responses={200: CaseOut})
    def post(self, request, pk, action):
        if action not in inbox.FIELD_ACTIONS:
            return Response({"action": [_("Unknown action.")]}, status=status.HTTP_404_NOT_FOUND)
        case = get_object_or_404(policy.scope(request.user, "view", Case.objects.all()), pk=pk)
        data = request.data
        form = ActIn(
            data={"client_id": data.get("client_id"), "note": data.get("note", ""), "photos": photos_of(request)}
        )
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            case = workflow.perform(
                case, action, request.user, note=d["note"], photos=d["photos"], client_id=d["client_id"]
            )
        except workflow.TransitionError as exc:
            code = {"forbidden": 403, "invalid": 400}.get(exc.code, 409)
            return Response({"detail": exc.message, "code": exc.code}, status=code)
        inbox.forget_badge(request.user)
        return Response(case_out(case, False))


class PatrolIn(serializers.Serializer):
    client_id = serializers.UUIDField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    walking_seconds = serializers.IntegerField(min_value=0, max_value=24 * 3600)
    track = serializers.CharField(max_length=2_000_000, help_text="GeoJSON MultiLineString (lon, lat)")

    def validate_track(self, value):
        from django.contrib.gis.geos import GEOSException, GEOSGeometry

        try:
            data = json.loads(value)
            if not isinstance(data, dict) or data.get("type") != "MultiLineString":
                raise ValueError
            geom = GEOSGeometry(json.dumps(data), srid=4326)
        except (ValueError, TypeError, GEOSException):
            raise serializers.ValidationError(_("The track must be a GeoJSON MultiLineString of longitude, latitude."))
        return geom


class PatrolOut(serializers.Serializer):
    id = serializers.IntegerField()
    length_m = serializers.FloatField()
    created = serializers.BooleanField()


class PatrolView(APIView):
    """A patrol recorded on the phone, sent at its end (maybe later, when the network is back)."""

    permission_classes = [FieldStaff]

    @extend_schema(request={"multipart/form-data": PatrolIn}, responses={200: PatrolOut, 201: PatrolOut})
    def post(self, request):
        from field import patrols

        if not policy.may_somewhere(request.user, "add", Patrol):
            return Response({"detail": _("Your role does not record patrols."), "code": "forbidden"}, status=403)
        fields = ("client_id", "started_at", "ended_at", "walking_seconds", "track")
        form = PatrolIn(data={k: request.data.get(k) for k in fields if k in request.data})
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            patrol, created = patrols.record(
                request.user, d["client_id"], d["started_at"], d["ended_at"], d["walking_seconds"], d["track"]
            )
        except ValidationError as exc:
            return Response(error_dict(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"id": patrol.pk, "length_m": round(patrol.length_m, 1), "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
