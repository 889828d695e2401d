"""A filled checklist sent from the phone (maybe queued offline): sessions and CSRF like the field sync API; the
same client id answers the same inspection, never a second one."""

import json

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from common.errors import error_dict
from field.api import FieldStaff
from inspections import services
from inspections.models import Checklist, Inspection


class ResultIn(serializers.Serializer):
    client_id = serializers.UUIDField()
    checklist = serializers.IntegerField(min_value=1)
    cell = serializers.IntegerField(min_value=1)
    asset = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    answers = serializers.CharField(
        max_length=20000, help_text='JSON list: [{"item": id, "passed": true|false, "note": "…"}]'
    )
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=6)

    def validate_answers(self, value):
        try:
            rows = json.loads(value)
            if not isinstance(rows, list):
                raise ValueError
            answers = {}
            for row in rows:
                item, passed = int(row["item"]), row["passed"]
                if not isinstance(passed, bool) or item in answers:
                    raise ValueError
                answers[item] = (passed, str(row.get("note") or "")[:500])
        except (ValueError, TypeError, KeyError, AttributeError):
            raise serializers.ValidationError(
                _("The answers must be a JSON list of {item, passed (true or false), note}, one per item.")
            )
        return answers


class ResultOut(serializers.Serializer):
    id = serializers.IntegerField()
    created = serializers.BooleanField()
    failed = serializers.IntegerField()
    cases = serializers.ListField(child=serializers.CharField())


def result_out(inspection, created):
    cases = sorted({r.case.number for r in inspection.results.select_related("case") if r.case_id})
    return {
        "id": inspection.pk,
        "created": created,
        "failed": inspection.results.filter(passed=False).count(),
        "cases": cases,
        "label": str(inspection.checklist),
    }


class ResultView(APIView):
    """One filled checklist: items passed or failed, photos; a failed item opens a rectification case."""

    permission_classes = [FieldStaff]

    @extend_schema(request={"multipart/form-data": ResultIn}, responses={200: ResultOut, 201: ResultOut})
    def post(self, request):
        from assets.models import Asset
        from grids.models import GridCell

        if not policy.may_somewhere(request.user, "add", Inspection):
            return Response({"detail": _("Your role does not record inspections."), "code": "forbidden"}, status=403)
        fields = ("client_id", "checklist", "cell", "asset", "answers", "lon", "lat", "note")
        form = ResultIn(
            data={
                **{k: request.data.get(k) for k in fields if request.data.get(k) not in (None, "")},
                "photos": request.FILES.getlist("photos"),
            }
        )
        form.is_valid(raise_exception=True)
        d = form.validated_data
        checklist = Checklist.objects.filter(pk=d["checklist"]).first()
        cell = GridCell.objects.filter(pk=d["cell"]).first()
        asset = Asset.objects.filter(pk=d["asset"]).first() if d["asset"] else None
        errors = {}
        if checklist is None:
            errors["checklist"] = [_("No such checklist.")]
        if cell is None:
            errors["cell"] = [_("No such grid cell.")]
        if d["asset"] and asset is None:
            errors["asset"] = [_("No such facility.")]
        if (d["lon"] is None) != (d["lat"] is None):
            errors["lon"] = [_("Send both longitude and latitude, or neither.")]
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        location = Point(d["lon"], d["lat"], srid=4326) if d["lon"] is not None else None
        try:
            inspection, created = services.record(
                request.user,
                d["client_id"],
                checklist,
                cell,
                d["answers"],
                asset=asset,
                location=location,
                note=d["note"],
                photos=d["photos"],
            )
        except PermissionDenied as exc:
            return Response({"detail": str(exc), "code": "forbidden"}, status=403)
        except ValidationError as exc:
            return Response(error_dict(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(
            result_out(inspection, created), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
