import json

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic

from accounts import policy
from common.entity import EntityDetail
from common.params import ParamError, parse_float, parse_int
from grids import split
from grids.entities import community as community_entity
from grids.models import Community
from grids.topology import check_community


class MapView(generic.TemplateView):
    template_name = "grids/map.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["config"] = {
            "communities": reverse("api:community-list"),
            "cells": reverse("api:gridcell-list"),
            "buildings": reverse("api:building-list"),
            "cellPage": reverse("grids:gridcell-detail", args=[0]),
            "communityPage": reverse("grids:community-detail", args=[0]),
        }
        ctx["i18n"] = {
            "cells": _("Grid cells"),
            "code": _("Code"),
            "workers": _("Grid workers"),
            "none": _("none assigned"),
            "households": _("Households"),
            "buildings": _("Buildings"),
            "open": _("Open page"),
            "built": _("Built"),
            "storeys": _("Storeys"),
        }
        return ctx


SPLIT_PERMISSIONS = ("grids.add_gridcell", "grids.delete_gridcell")  # saving a split replaces the cells


def may_split(user, community=None):
    """Adding and removing cells, in the community's area when one is given (accounts.policy)."""
    if not user.is_authenticated or not user.has_perms(SPLIT_PERMISSIONS):
        return False
    if community is None:
        return True
    return all(policy.reaches_community(user, perm, community) for perm in SPLIT_PERMISSIONS)


class CommunityDetail(EntityDetail):
    """Community page: the generic detail plus its tiling report."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["problems"] = check_community(self.object)
        ctx["can_split"] = may_split(self.request.user, self.object)  # the split page's own check: no button to a 403
        ctx["can_manage"] = policy.manages_community(self.request.user, self.object)
        return ctx


community_detail = CommunityDetail.as_view(entity=community_entity)


class SplitView(LoginRequiredMixin, PermissionRequiredMixin, generic.TemplateView):
    """Split a community into grid cells: preview (POST action=preview) then save (action=save)."""

    template_name = "grids/split.html"
    permission_required = SPLIT_PERMISSIONS

    def dispatch(self, request, *args, **kwargs):
        self.community = get_object_or_404(Community.objects.select_related("street__district"), pk=kwargs["pk"])
        if request.user.is_authenticated and not may_split(request.user, self.community):
            raise PermissionDenied(_("You may not redraw the cells of this community."))
        return super().dispatch(request, *args, **kwargs)

    def params(self, data):
        mode = data.get("mode", "households")
        try:
            size = parse_float(data, "size", default=300.0, min=20, max=5000)
            max_households = parse_int(data, "max_households", default=300, min=1, max=1_000_000)
        except ParamError as exc:
            raise ValidationError(exc.message)
        return mode, size, max_households

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            community=self.community,
            existing=self.community.cells.count(),
            community_geojson=self.community.boundary.geojson,
        )
        ctx.setdefault("mode", "households")
        ctx.setdefault("size", 300)
        ctx.setdefault("max_households", 300)
        return ctx

    def post(self, request, *args, **kwargs):
        ctx = {}
        try:
            mode, size, max_households = self.params(request.POST)
            ctx.update(mode=mode, size=size, max_households=max_households)
            proposal = split.propose(self.community, mode, size_m=size, max_households=max_households)
            if request.POST.get("action") == "save":
                split.save_split(self.community, proposal, replace=request.POST.get("replace") == "1")
                from django.contrib import messages

                messages.success(request, _("Saved %(n)s grid cells.") % {"n": len(proposal)})
                return redirect("grids:community-detail", pk=self.community.pk)
            ctx["proposal"] = proposal
            ctx["proposal_geojson"] = json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "geometry": json.loads(c.geom.geojson),
                            "properties": {
                                "code": c.code(self.community),
                                "serial": c.serial,
                                "households": c.households,
                                "area_m2": round(c.area_m2, 1),
                            },
                        }
                        for c in proposal
                    ],
                }
            )
        except ValidationError as exc:
            ctx["errors"] = exc.messages
        return self.render_to_response(self.get_context_data(**ctx))
