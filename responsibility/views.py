import json

from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from accounts import policy
from common import xlsx
from common.params import parse_date, parse_id
from grids.models import Community, GridAssignment
from responsibility import coverage as coverage_service
from responsibility.models import Duty, Party, ResponsibilityArea


class LookupMapView(generic.TemplateView):
    """Public map: click anywhere to see who is responsible there."""

    template_name = "responsibility/lookup.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["kinds"] = ResponsibilityArea.Kind.choices
        ctx["today"] = timezone.localdate().isoformat()
        ctx["config"] = {
            "lookup": reverse("responsibility-lookup"),
            "areas": reverse("api:responsibilityarea-list"),
            "communities": reverse("api:community-list"),
        }
        ctx["i18n"] = {
            "cell": _("Grid cell"),
            "workers": _("Grid workers"),
            "none": _("none"),
            "areas": _("Responsibility areas"),
            "outside": _("This place is in no grid cell."),
            "duties": _("duties"),
            "alsoOn": _("On the edge with"),
        }
        return ctx


class ManagedCommunityMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.community = self.get_community()
        if self.community is not None and not policy.manages_community(request.user, self.community):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_community(self):
        return get_object_or_404(Community.objects.select_related("street__district"), pk=self.kwargs["pk"])


class AssignView(ManagedCommunityMixin, generic.TemplateView):
    """Assign grid workers to cells: click or lasso cells, pick a worker, a role and dates."""

    template_name = "responsibility/assign.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        User = get_user_model()
        workers = User.objects.filter(is_active=True, groups__name="grid workers").order_by("username").distinct()
        ctx.update(
            community=self.community,
            community_geojson=self.community.boundary.geojson,
            workers=workers,
            roles=GridAssignment.Role.choices,
            today=timezone.localdate().isoformat(),
            config={
                "cells": reverse("api:gridcell-list"),
                "bulk": reverse("assignment-bulk"),
                "community": self.community.pk,
            },
            i18n={
                "uncovered": _("no primary worker"),
                "assigned": _("Assigned."),
                "chooseCells": _("Select at least one cell first."),
            },
        )
        return ctx


class AreaEditorView(LoginRequiredMixin, generic.TemplateView):
    """Draw or edit a responsibility area with snapping to cells, buildings and other areas."""

    template_name = "responsibility/editor.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs:
            self.object = get_object_or_404(ResponsibilityArea.objects.select_related("community"), pk=kwargs["pk"])
            if request.user.is_authenticated and not policy.allows(request.user, "change", self.object):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        # The communities where this user draws responsibility areas (accounts.policy).
        communities = policy.communities(user, "responsibility.add_responsibilityarea").order_by("street", "code")
        chosen = self.object.community if self.object else None
        community_id = parse_id(self.request.GET, "community")
        if chosen is None and community_id:
            chosen = communities.filter(pk=community_id).first()
        chosen = chosen or communities.first()
        if chosen is None:
            raise PermissionDenied
        obj = self.object
        ctx.update(
            object=obj,
            communities=communities,
            community=chosen,
            community_geojson=chosen.boundary.geojson,
            kinds=ResponsibilityArea.Kind.choices,
            duties=Duty.choices,
            parties=Party.objects.select_related("user", "household__building").order_by("kind", "name")[:500],
            party_kinds=[(k, v) for k, v in Party.Kind.choices if k in ("organisation", "department")],
            today=timezone.localdate().isoformat(),
            config={
                "api": reverse("api:responsibilityarea-list"),
                "parties": reverse("api:party-list"),
                "cells": reverse("api:gridcell-list"),
                "buildings": reverse("api:building-list"),
                "community": chosen.pk,
                "detail": reverse("responsibility:responsibilityarea-detail", args=[0]),
                "initial": {
                    "id": obj.pk,
                    "kind": obj.kind,
                    "name": obj.name,
                    "party": obj.party_id,
                    "duties": obj.duties,
                    "start": obj.start.isoformat(),
                    "end": obj.end.isoformat() if obj.end else None,
                    "width_m": obj.width_m,
                    "note": obj.note,
                    "geometry": json.loads((obj.line or obj.area).geojson),
                }
                if obj
                else None,
            },
            i18n={
                "drawFirst": _("Draw the area on the map first."),
                "partyFirst": _("Choose a responsible party or name a new one."),
                "failed": _("Saving failed; please try again."),
            },
        )
        return ctx


class CoverageView(generic.TemplateView):
    template_name = "responsibility/coverage.html"

    def get(self, request, *args, **kwargs):
        self.community = get_object_or_404(Community, pk=kwargs["pk"])
        self.day = parse_date(request.GET, "date") or timezone.localdate()
        self.report, self.overlaps = coverage_service.coverage(self.community, self.day)
        if kwargs.get("fmt") == "xlsx":
            wb = coverage_service.as_xlsx(self.community, self.report, self.overlaps, self.day)
            return xlsx.download(wb, f"coverage-{self.community.full_code}-{self.day}.xlsx")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        gaps = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": json.loads(g.geojson), "properties": {"kind": k.kind, "what": what}}
                for k in self.report
                for what, g in (("area", k.gap_area), ("roads", k.gap_roads))
                if g is not None and not g.empty
            ],
        }
        ctx.update(
            community=self.community,
            day=self.day,
            report=self.report,
            overlaps=[(ResponsibilityArea.Kind(k).label, a, b, m2) for k, a, b, m2 in self.overlaps],
            gaps=json.dumps(gaps),
            community_geojson=self.community.boundary.geojson,
        )
        return ctx
