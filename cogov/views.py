import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views import generic

from accounts.scoping import can_see_unit, home_unit
from cogov import dashboard, export
from cogov.models import BoardEntry
from cogov.services import public_board
from common import xlsx
from common.params import parse_int
from grids.models import Community


def _radius(request):
    return parse_int(request.GET, "radius", default=dashboard.DEFAULT_RADIUS_M, min=10, max=5000)


@login_required
def dashboard_home(request):
    """The widest unit the user's role covers (the district for administrators)."""
    unit = home_unit(request.user)
    if unit is None:
        raise PermissionDenied
    return redirect("cogov:dashboard", level=unit[0], pk=unit[1])


class DashboardView(LoginRequiredMixin, generic.TemplateView):
    """Figures of one unit for a period, its grid cells on a choropleth and its child units on a chart.

    For staff whose area holds the unit (accounts.scoping.can_see_unit); the figures are counts and sums.
    """

    template_name = "cogov/dashboard.html"

    def get(self, request, *args, **kwargs):
        self.scope = dashboard.Scope.get(kwargs["level"], kwargs["pk"])
        if not can_see_unit(request.user, self.scope.level, self.scope.obj):
            raise PermissionDenied
        self.period = dashboard.Period.parse(request.GET)
        self.radius = _radius(request)
        fmt = kwargs.get("fmt")
        if fmt == "geojson":  # the cell map, fetched by the page (kept out of its HTML), cached apart from the figures
            response = HttpResponse(dashboard.cached_cell_map(self.scope, self.period), content_type="application/json")
            response["Cache-Control"] = f"private, max-age={settings.DASHBOARD_CACHE_SECONDS}"
            return response
        self.figures, self.children, self.computed_at = dashboard.cached(
            self.scope, self.period, self.radius, get_language()
        )
        if fmt == "xlsx":
            return xlsx.download(export.as_xlsx(self.figures, self.children), f"{export.filename(self.figures)}.xlsx")
        if fmt == "pdf":
            cells = json.loads(dashboard.cached_cell_map(self.scope, self.period))
            pdf = export.as_pdf(self.figures, self.children, cells)
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{export.filename(self.figures)}.pdf"'
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.scope
        query = self.request.GET.urlencode()
        ctx.update(
            scope=s,
            level_label=dashboard.MODELS[s.level]._meta.verbose_name,
            trail=[(lvl, obj, reverse("cogov:dashboard", args=[lvl, obj.pk])) for lvl, obj in s.trail],
            period=self.period,
            radius=self.radius,
            f=self.figures,
            children=self.children,
            computed_at=self.computed_at,
            query=query,
            issued_change=self.figures.change("issued"),
            config={
                "base": reverse("cogov:dashboard", args=["LEVEL", 0]).replace("/0/", "/ID/"),
                "cells": reverse("cogov:dashboard-export", args=[s.level, s.obj.pk, "geojson"])
                + (f"?{query}" if query else ""),
                "query": query,
                "labels": {
                    "sanitary_rate": _("Sanitary-toilet rate (%)"),
                    "courtyard_share": _("Beautiful-courtyard share of resident households (%)"),
                    "issued": _("Points issued"),
                    "households": pgettext("number of households", "Households"),
                    "nodata": _("no households"),
                },
            },
            boards_url=reverse("cogov:boards", args=[s.obj.pk]) if s.level == "community" else None,
        )
        return ctx


class BoardsView(generic.TemplateView):
    """Public red and black boards of a community: door plate or alias, never names or phones."""

    template_name = "cogov/boards.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        community = get_object_or_404(Community, pk=kwargs["pk"])
        day = timezone.localdate()
        ctx.update(
            community=community,
            red=public_board(community, BoardEntry.Board.RED, day),
            black=public_board(community, BoardEntry.Board.BLACK, day),
        )
        return ctx
