from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views import generic
from django.views.decorators.http import require_POST

from accounts import policy
from assets import map_tiles, services
from assets.entities import asset as asset_entity
from assets.forms import AdoptionForm, InspectionForm, MaintenanceLogForm, PhotoForm, ReviewForm
from assets.models import SORTING_CHOICES, Adoption, Asset, AssetFamily
from common.entity import EntityDetail
from common.params import parse_choice


def agreement_text(asset, start, end):
    return _(
        "The adopter looks after %(asset)s (%(identifier)s) from %(start)s to %(end)s: keeps it clean and tidy, "
        "waters and weeds where it needs it, reports damage to the community at once, and logs the upkeep with a "
        "photo at least every %(days)s days. An adoption with no upkeep logged for longer is flagged as lapsed "
        "and may be ended by the community. The adopter gains no right of ownership or use beyond the upkeep."
    ) % {
        "asset": asset.name,
        "identifier": asset.identifier,
        "start": start or "…",
        "end": end or "…",
        "days": settings.ASSETS["ADOPTION_LAPSE_DAYS"],
    }


class PublicMapView(generic.TemplateView):
    """The public facility map: no login, nothing personal."""

    template_name = "assets/map.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        families = []
        for fam in AssetFamily.objects.prefetch_related("types"):
            types = [t for t in fam.types.all() if t.public]
            if types:
                families.append(
                    {
                        "code": fam.code,
                        "label": fam.label,
                        "colour": fam.colour,
                        "types": [{"code": f"{fam.code}{t.code}", "label": t.label} for t in types],
                    }
                )
        ctx["families"] = families
        ctx["families_json"] = families
        ctx["sorting_json"] = {k: str(v) for k, v in SORTING_CHOICES}
        ctx["conditions_json"] = {k: str(v) for k, v in Asset.Condition.choices}
        ctx["radius"] = 300
        ctx["config"] = {
            # Facilities are drawn from the public "asset-map" vector tiles (assets/map_tiles.py): clusters below
            # map zoom clusterBelow, single facilities from there on; a popup's details are fetched when clicked.
            "tiles": reverse("vector-tile", args=[map_tiles.NAME, 0, 0, 0]).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf"),
            "clusterBelow": map_tiles.CLUSTER_BELOW + 1,  # map zoom: tiles are drawn 512 px wide, one zoom up
            # Where the map opens: the ?bbox= of a link, else around every public facility.
            "extent": None if self.request.GET.get("bbox") else map_tiles.public_extent(),
            "popup": reverse("api:asset-popup", args=[0]),
            "assets": reverse("api:asset-list"),
            "nearest": reverse("api:asset-nearest"),
            "search": reverse("api:asset-search"),
            "service": reverse("api:service-area-list"),
            "adopt": reverse("assets:adopt", args=[0]),
            "login": f"{reverse('login')}?{urlencode({'next': self.request.get_full_path()})}",
            "signedIn": self.request.user.is_authenticated,
        }
        ctx["i18n"] = {
            "shown": _("facilities shown"),
            "identifier": _("Identifier"),
            "type": _("Type"),
            "condition": _("Condition"),
            "hours": _("Opening hours"),
            "openNow": _("Open now"),
            "closedNow": _("Closed now"),
            "accessible": _("Barrier-free"),
            "notAccessible": _("No barrier-free access"),
            "sorting": _("Sorting categories"),
            "capacity": _("Capacity"),
            "area": pgettext("size in square metres", "Area"),
            "department": _("Responsible department"),
            "adopted": _("Adopted"),
            "openAdoption": _("Open for adoption"),
            "apply": _("Apply to adopt"),
            "loginApply": _("Log in to adopt"),
            "noResults": _("Nothing found."),
            "foundOne": ngettext("Found {n} facility", "Found {n} facilities", 1),
            "foundMany": ngettext("Found {n} facility", "Found {n} facilities", 2),
            "showing": _("showing the nearest {shown}"),
            "pickHint": _("Tap the map where you are."),
            "locating": _("Finding your location…"),
            "noGeo": _("Your location is not available; tap a point on the map instead."),
            "from": _("From the chosen point"),
            "metres": _("m"),
            "covered": _("households within reach"),
            "cell": _("Grid cell"),
            "households": _("Households"),
            "uncoveredBuildings": _("buildings beyond reach"),
            "error": _("Something went wrong:"),
            "badArea": _("give the area as min_lon,min_lat,max_lon,max_lat (west ≤ east, south ≤ north)."),
        }
        return ctx


class AssetDetail(EntityDetail):
    """Asset page: the generic detail plus photos, inspections and adoptions."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        obj = self.object
        ctx["photos"] = obj.photos.all()
        ctx["inspections"] = obj.inspections.select_related("inspector")[:20]
        ctx["adoptions"] = policy.scope(user, "view", obj.adoptions.with_flags())[:20]
        ctx["sorting"] = obj.sorting_labels()
        ctx["photo_form"] = PhotoForm() if policy.allows(user, "assets.add_assetphoto", obj) else None
        ctx["inspection_form"] = InspectionForm() if policy.allows(user, "assets.add_inspection", obj) else None
        return ctx


asset_detail = AssetDetail.as_view(entity=asset_entity)


def _form_errors(form):
    return "; ".join(
        f"{form.fields[k].label if k in form.fields else ''} {' '.join(v)}".strip() for k, v in form.errors.items()
    )


def asset_for(request, pk, perm):
    """The asset, when the user may take `perm` on it in its area (404 when they cannot even read it)."""
    asset = get_object_or_404(policy.scope(request.user, "view", Asset.objects.all()), pk=pk)
    if not policy.allows(request.user, perm, asset):
        raise PermissionDenied(policy.denied_message("change", asset))
    return asset


@require_POST
@login_required
def add_photo(request, pk):
    asset = asset_for(request, pk, "assets.add_assetphoto")
    form = PhotoForm(request.POST, request.FILES, instance=None)
    form.instance.asset = asset
    form.instance.uploaded_by = request.user
    if form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Photo added."))
    else:
        messages.error(request, _("The photo was not saved: %(errors)s") % {"errors": _form_errors(form)})
    return redirect("assets:asset-detail", pk=pk)


@require_POST
@login_required
def add_inspection(request, pk):
    asset = asset_for(request, pk, "assets.add_inspection")
    form = InspectionForm(request.POST, request.FILES)
    form.instance.asset = asset
    form.instance.inspector = request.user
    if form.is_valid():
        form.save()
        messages.success(request, _("Inspection logged."))
    else:
        messages.error(request, _("The inspection was not saved: %(errors)s") % {"errors": _form_errors(form)})
    return redirect("assets:asset-detail", pk=pk)


@login_required
def adopt(request, pk):
    """A signed-in resident applies to adopt an asset that is open for adoption."""
    asset = get_object_or_404(Asset.objects.select_related("type"), pk=pk)
    active = asset.active_adoption()
    instance = Adoption(asset=asset, applicant=request.user)
    form = AdoptionForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        adoption = form.save(commit=False)
        adoption.agreement = agreement_text(asset, adoption.start, adoption.end)
        with transaction.atomic():
            adoption.save()
        messages.success(request, _("Your application has been sent; the community will review it."))
        return redirect("assets:adoption-detail", pk=adoption.pk)
    start, end = (form.data.get("start"), form.data.get("end")) if form.is_bound else (None, None)
    return render(
        request,
        "assets/adopt.html",
        {"asset": asset, "form": form, "active": active, "agreement": agreement_text(asset, start, end)},
    )


def _can_see(user, adoption):
    return policy.allows(user, "view", adoption)


@login_required
def adoption_list(request):
    staff = policy.holds(request.user, "assets.view_adoption")
    # Their own applications, and staff those of their area.
    qs = policy.scope(request.user, "view", Adoption.objects.select_related("asset__type", "applicant").with_flags())
    status = parse_choice(request.GET, "status", Adoption.Status.values)
    if status:
        qs = qs.filter(status=status)
    flag = parse_choice(request.GET, "flag", ["expired", "lapsed"])
    if flag == "expired":
        qs = qs.filter(is_expired=True)
    elif flag == "lapsed":
        qs = qs.filter(is_lapsed=True)
    rows = [(a, a.adopter_name if a.applicant_id == request.user.pk else a.masked("adopter_name")) for a in qs[:500]]
    return render(
        request,
        "assets/adoption_list.html",
        {
            "rows": rows,
            "staff": staff,
            "statuses": Adoption.Status.choices,
            "status": status,
            "flag": flag,
            "lapse_days": settings.ASSETS["ADOPTION_LAPSE_DAYS"],
        },
    )


@login_required
def adoption_detail(request, pk):
    adoption = get_object_or_404(
        Adoption.objects.select_related("asset__type", "applicant", "reviewed_by").with_flags(), pk=pk
    )
    if not _can_see(request.user, adoption):
        raise PermissionDenied
    own = adoption.applicant_id == request.user.pk
    can_log = adoption.status == Adoption.Status.APPROVED and (
        own or policy.allows(request.user, "assets.add_maintenancelog", adoption)
    )
    return render(
        request,
        "assets/adoption_detail.html",
        {
            "adoption": adoption,
            "adopter_name": adoption.adopter_name if own else adoption.masked("adopter_name"),
            "contact_phone": adoption.contact_phone if own else adoption.masked("contact_phone"),
            "logs": adoption.logs.all(),
            "log_form": MaintenanceLogForm(initial={"date": timezone.localdate()}) if can_log else None,
            "review_form": ReviewForm()
            if adoption.status == Adoption.Status.PENDING and policy.allows(request.user, "change", adoption)
            else None,
        },
    )


@require_POST
@login_required
def adoption_review(request, pk):
    adoption = get_object_or_404(policy.scope(request.user, "view", Adoption.objects.all()), pk=pk)
    if not policy.allows(request.user, "change", adoption):
        raise PermissionDenied(policy.denied_message("change", adoption))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("assets:adoption-detail", pk=pk)
    try:
        adoption.review(request.user, form.cleaned_data["decision"] == "approve", form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Adoption %(status)s.") % {"status": adoption.get_status_display()})
    return redirect("assets:adoption-detail", pk=pk)


@require_POST
@login_required
def adoption_log(request, pk):
    adoption = get_object_or_404(policy.scope(request.user, "view", Adoption.objects.all()), pk=pk)
    if adoption.applicant_id != request.user.pk and not policy.allows(
        request.user, "assets.add_maintenancelog", adoption
    ):
        raise PermissionDenied
    form = MaintenanceLogForm(request.POST, request.FILES)
    form.instance.adoption = adoption
    form.instance.logged_by = request.user
    if form.is_valid():
        form.save()
        messages.success(request, _("Maintenance logged."))
    else:
        messages.error(request, _("The log was not saved: %(errors)s") % {"errors": _form_errors(form)})
    return redirect("assets:adoption-detail", pk=pk)


def coverage(request):
    """Adopted green area per community and per grid cell (public: areas only)."""
    from grids.models import Community, GridCell

    communities = services.adoption_coverage(Community.objects.select_related("street__district"))
    cells = services.adoption_coverage(GridCell.objects.order_by("code"))
    total_green = sum(r.green_m2 for r in communities)
    total_adopted = sum(r.adopted_m2 for r in communities)
    return render(
        request,
        "assets/coverage.html",
        {
            "communities": communities,
            "cells": cells,
            "total_green": total_green,
            "total_adopted": total_adopted,
            "total_share": round(100 * total_adopted / total_green, 1) if total_green else None,
        },
    )
