import json

import django_filters
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Exists, FloatField, Func, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts import policy
from accounts.api import PolicyViewSetMixin
from assets import search as asset_search
from assets import services
from assets.models import Adoption, Asset, AssetFamily, AssetPhoto, AssetType, Inspection, MaintenanceLog
from assets.serializers import (
    AdoptionSerializer,
    AssetFamilySerializer,
    AssetSerializer,
    AssetTypeSerializer,
    InspectionSerializer,
    MaintenanceLogSerializer,
    NearestSerializer,
    PhotoSerializer,
    PopupSerializer,
    SearchResultSerializer,
)
from common.api import BBoxFilter, Pagination, StrictPageParams
from common.errors import api_error
from common.params import parse_choice, parse_float, parse_int, parse_lonlat


def types_from(value):
    """Asset types named by 4-digit codes or ids, comma-separated; a clear error for unknown ones."""
    wanted = [v.strip() for v in (value or "").split(",") if v.strip()]
    if not wanted:
        raise exceptions.ValidationError({"type": _("Choose at least one asset type (a 4-digit code).")})
    found = []
    for v in wanted:
        t = None
        digits = v.isascii() and v.isdigit()  # "¹" is a digit to str.isdigit() but not to int()
        if len(v) == 4 and digits:
            t = AssetType.objects.filter(family__code=v[:2], code=v[2:]).first()
        elif digits and len(v) < 10:
            t = AssetType.objects.filter(pk=int(v)).first()
        if t is None:
            raise exceptions.ValidationError({"type": _("Unknown asset type %(code)s.") % {"code": v}})
        found.append(t)
    return found


def number(params, name, default, lo, hi, cast=float):
    """A finite number in [lo, hi] (common.params; a 400 naming the parameter otherwise)."""
    parse = parse_int if cast is int else parse_float
    return parse(params, name, default=default, min=lo, max=hi)


class AssetFilter(filters.FilterSet):
    family = django_filters.CharFilter(field_name="type__family__code", help_text="2-digit family code")
    type_code = django_filters.CharFilter(method="filter_type_code", help_text="4-digit type code")
    q = django_filters.CharFilter(method="search", help_text="name, type or identifier")
    adoption = django_filters.ChoiceFilter(choices=[("open", "open"), ("adopted", "adopted")], method="filter_adoption")

    class Meta:
        model = Asset
        fields = ["type", "condition", "cell", "community", "open_for_adoption"]

    def filter_type_code(self, qs, name, value):
        return qs.filter(type__family__code=value[:2], type__code=value[2:4])

    def search(self, qs, name, value):
        return asset_search.matching(qs, value) if value.strip() else qs

    def filter_adoption(self, qs, name, value):
        return qs.filter(services.adoption_status_filter(value))


class SearchPagination(StrictPageParams, PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def visible_assets(user):
    qs = policy.scope(user, "view", Asset.objects.select_related("type__family", "cell"))
    active = Adoption.objects.active_on(timezone.localdate()).filter(asset=OuterRef("pk"))
    return qs.annotate(adopted_now=Exists(active))


class AssetViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Assets as GeoJSON. Anyone reads the public types; staff read the others and write within their area."""

    serializer_class = AssetSerializer
    policy_actions = {"photos": "view", "inspections": "view"}  # checked against the asset in the action
    filter_backends = [filters.DjangoFilterBackend, BBoxFilter]
    filterset_class = AssetFilter
    bbox_filter_field = "anchor"
    bbox_filter_include_overlapping = True
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return visible_assets(self.request.user).prefetch_related("photos")

    def save_instance(self, serializer, **extra):
        try:
            with transaction.atomic():
                return serializer.save(**extra)
        except DjangoValidationError as exc:
            raise api_error(exc)

    @extend_schema(
        summary="Every visible asset as a light GeoJSON layer (markers for the public map), optionally in a bbox"
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[BBoxFilter])
    def markers(self, request):
        qs = self.filter_queryset(visible_assets(request.user))
        # Coordinates of the anchor come as numbers from the database: no geometry object per row.
        rows = qs.annotate(
            gj=AsGeoJSON("geom", precision=6),
            ax=Func("anchor", function="ST_X", output_field=FloatField()),
            ay=Func("anchor", function="ST_Y", output_field=FloatField()),
        ).values_list(
            "id", "name", "type__family__code", "type__code", "type__geometry_kind", "open_for_adoption",
            "adopted_now", "gj", "ax", "ay",
        )  # fmt: skip
        features = []
        for pk, name, fam, code, kind, offered, adopted, gj, ax, ay in rows:
            adoption = "adopted" if adopted else ("open" if offered else None)
            features.append(
                {
                    "type": "Feature",
                    "id": pk,
                    "geometry": json.loads(gj),
                    "properties": {
                        "name": name,
                        "type": fam + code,
                        "family": fam,
                        "kind": kind,
                        "adoption": adoption,
                        "at": [round(ax, 6), round(ay, 6)],
                    },
                }
            )
        return Response({"type": "FeatureCollection", "features": features})

    @extend_schema(
        summary="One facility's popup on the public map: its public fields only, fetched when it is clicked",
        responses=PopupSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def popup(self, request, pk=None):
        # Among the assets this user may read: a non-public facility is a 404 for the public.
        qs = visible_assets(request.user).select_related(None).select_related("type__family")
        asset = get_object_or_404(qs, pk=pk)
        return Response(PopupSerializer(asset).data)

    @extend_schema(
        summary="Search by name, type, family, a word for a type (公厕, 垃圾站) or identifier, nearest first",
        parameters=[
            OpenApiParameter("q", str, required=True, description="words; all must match"),
            OpenApiParameter("lon", float, description="rank by distance from this point (the map's centre)"),
            OpenApiParameter("lat", float),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description=f"1–{SearchPagination.max_page_size}, default 20"),
        ],
        responses=SearchResultSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def search(self, request):
        p = request.query_params
        lon, lat = parse_lonlat(p, required=False) or (None, None)  # both or neither
        qs = asset_search.matching(visible_assets(request.user), p.get("q", ""))
        qs = asset_search.nearest_first(qs, lon, lat) if lon is not None else qs.order_by("identifier")
        paginator = SearchPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(SearchResultSerializer(page, many=True).data)

    @extend_schema(
        summary="The N nearest assets of a type, with straight-line distance in metres",
        parameters=[
            OpenApiParameter("lon", float, required=True),
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("type", str, required=True, description="4-digit type code(s), comma-separated"),
            OpenApiParameter("n", int, description=f"how many (1–{services.MAX_NEAREST}, default 5)"),
        ],
        responses=NearestSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def nearest(self, request):
        p = request.query_params
        lon = number(p, "lon", None, -180, 180)
        lat = number(p, "lat", None, -90, 90)
        if lon is None or lat is None:
            raise exceptions.ValidationError({"lon": _("Give lon and lat of the place to search from.")})
        types = types_from(p.get("type"))
        n = number(p, "n", 5, 1, services.MAX_NEAREST, int)
        found = services.nearest(Point(lon, lat, srid=4326), types, n, queryset=visible_assets(request.user))
        return Response(NearestSerializer(found, many=True).data)

    @extend_schema(request=PhotoSerializer, responses=PhotoSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        asset = self.get_object()
        if not policy.allows(request.user, "assets.add_assetphoto", asset):
            raise exceptions.PermissionDenied(policy.denied_message("add", AssetPhoto))
        image = request.FILES.get("image")
        if image is None:
            raise exceptions.ValidationError({"image": _("Attach a photo (field 'image').")})
        photo = AssetPhoto(asset=asset, image=image, caption=request.data.get("caption", ""), uploaded_by=request.user)
        try:
            photo.full_clean()
            with transaction.atomic():
                photo.save()
        except DjangoValidationError as exc:
            raise api_error(exc)
        return Response(PhotoSerializer(photo, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=InspectionSerializer, responses=InspectionSerializer(many=True))
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def inspections(self, request, pk=None):
        asset = self.get_object()
        if request.method == "GET":
            if not policy.allows(request.user, "assets.view_inspection", asset):
                raise exceptions.PermissionDenied(policy.denied_message("view", Inspection))
            qs = asset.inspections.select_related("inspector")
            return Response(InspectionSerializer(qs, many=True, context={"request": request}).data)
        if not policy.allows(request.user, "assets.add_inspection", asset):
            raise exceptions.PermissionDenied(policy.denied_message("add", Inspection))
        ser = InspectionSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        inspection = Inspection(asset=asset, inspector=request.user, **ser.validated_data)
        try:
            inspection.full_clean()
            inspection.save()
        except DjangoValidationError as exc:
            raise api_error(exc)
        return Response(InspectionSerializer(inspection, context={"request": request}).data, status=201)


class AssetTypeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AssetType.objects.select_related("family")
    serializer_class = AssetTypeSerializer
    pagination_class = None
    permission_classes = [permissions.AllowAny]


class AssetFamilyViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AssetFamily.objects.prefetch_related("types__family")
    serializer_class = AssetFamilySerializer
    pagination_class = None
    permission_classes = [permissions.AllowAny]


class CoverageRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    community = serializers.CharField()
    households = serializers.IntegerField()
    covered = serializers.IntegerField()
    uncovered = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


def cells_in_scope(params):
    from grids.models import GridCell

    cells = GridCell.objects.all()
    if params.get("community"):
        cells = cells.filter(community_id=number(params, "community", 0, 1, 2**62, int))
    return cells


class ServiceAreaViewSet(viewsets.ViewSet):
    """Households within a radius of a facility type, counted per grid cell; uncovered buildings as GeoJSON.

    Households appear only as counts: no location or name of any household leaves this view.
    """

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("type", str, required=True, description="4-digit type code(s), comma-separated"),
            OpenApiParameter("radius", float, description=f"metres (1–{services.MAX_RADIUS_M}, default 300)"),
            OpenApiParameter("community", int),
        ],
        responses={200: {"type": "object"}},
    )
    def list(self, request):
        p = request.query_params
        types = [t for t in types_from(p.get("type")) if t.public or request.user.has_perm("assets.view_asset")]
        radius = number(p, "radius", 300.0, 1, services.MAX_RADIUS_M)
        rows, buildings = services.service_area(types, radius, cells_in_scope(p))
        total = sum(r.households for r in rows)
        covered = sum(r.covered for r in rows)
        geo = buildings.annotate(gj=AsGeoJSON("footprint", precision=6)).values_list("id", "name", "gj")
        return Response(
            {
                "types": [t.full_code for t in types],
                "radius_m": radius,
                "households": total,
                "covered": covered,
                "percent": round(100.0 * covered / total, 1) if total else None,
                "cells": [{**CoverageRowSerializer(r).data, "boundary": json.loads(r.boundary.geojson)} for r in rows],
                "uncovered_buildings": {
                    "type": "FeatureCollection",
                    "features": [
                        {"type": "Feature", "id": i, "geometry": json.loads(g), "properties": {"name": n}}
                        for i, n, g in geo
                    ],
                },
            }
        )


class AdoptionCoverageViewSet(viewsets.ViewSet):
    """Adopted green area / total green area, per grid cell or per community (m²)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[OpenApiParameter("level", str, enum=["cell", "community"])], responses={200: dict})
    def list(self, request):
        from grids.models import Community, GridCell

        level = parse_choice(request.query_params, "level", ["cell", "community"], default="community")
        areas = (
            GridCell.objects.order_by("code")
            if level == "cell"
            else Community.objects.select_related("street__district")
        )
        rows = services.adoption_coverage(areas)
        return Response(
            [
                {
                    "id": r.id,
                    "code": r.code,
                    "name": r.name,
                    "green_m2": round(r.green_m2, 1),
                    "adopted_m2": round(r.adopted_m2, 1),
                    "share": r.share,
                }
                for r in rows
            ]
        )


class AdoptionViewSet(viewsets.ModelViewSet):
    """Applications and adoptions: residents see and file their own; staff with the permissions review them."""

    serializer_class = AdoptionSerializer
    # Any signed-in resident applies; reading follows the policy (their own, or staff within their area).
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "head", "options"]
    pagination_class = Pagination
    filterset_fields = ["asset", "status"]

    queryset = Adoption.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Adoption.objects.none()
        qs = Adoption.objects.select_related("asset").prefetch_related("logs").with_flags().order_by("-start", "-id")
        return policy.scope(self.request.user, "view", qs)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "user": self.request.user}

    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                serializer.save(applicant=self.request.user, status=Adoption.Status.PENDING)
        except DjangoValidationError as exc:
            raise api_error(exc)

    def _review(self, request, approve):
        adoption = self.get_object()
        if not policy.allows(request.user, "change", adoption):
            raise exceptions.PermissionDenied(policy.denied_message("change", adoption))
        try:
            adoption.review(request.user, approve, note=str(request.data.get("note", ""))[:200])
        except DjangoValidationError as exc:
            raise api_error(exc)
        return Response(self.get_serializer(self.get_queryset().get(pk=adoption.pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._review(request, True)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._review(request, False)

    @extend_schema(request=MaintenanceLogSerializer, responses=MaintenanceLogSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def logs(self, request, pk=None):
        adoption = self.get_object()
        if adoption.applicant_id != request.user.pk and not policy.allows(
            request.user, "assets.add_maintenancelog", adoption
        ):
            raise exceptions.PermissionDenied(policy.denied_message("add", MaintenanceLog))
        ser = MaintenanceLogSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        log = MaintenanceLog(adoption=adoption, logged_by=request.user, **ser.validated_data)
        try:
            log.full_clean()
            log.save()
        except DjangoValidationError as exc:
            raise api_error(exc)
        return Response(MaintenanceLogSerializer(log).data, status=201)
