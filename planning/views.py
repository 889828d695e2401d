"""Planner pages (zones, projects, survey) and the public plan page (公示) with moderated comments."""

import hashlib
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views import generic

from accounts import policy
from common.client_ip import client_ip
from common.images import PhotoField
from grids.models import Household
from planning import consent as consent_service
from planning import eligibility, workflow
from planning import services as zone_services
from planning.conf import conf
from planning.models import (
    STAGE_ORDER,
    Acceptance,
    AcceptancePhoto,
    Comment,
    Item,
    ItemClass,
    Project,
    Stage,
    Vote,
    Zone,
)


class PlannerMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Zones of the user's area (accounts.policy): others are not found."""

    permission_required = "planning.view_zone"

    def get_queryset(self):
        return policy.scope(self.request.user, "view", Zone.objects.all())


class ZoneListView(PlannerMixin, generic.ListView):
    model = Zone
    template_name = "planning/zone_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["projects"] = policy.scope(self.request.user, "view", Project.objects.select_related("zone"))
        ctx["can_add"] = policy.may_somewhere(self.request.user, "add", Zone)
        ctx["config"] = {"zones": reverse("api:zone-list"), "zonePage": reverse("planning:zone-detail", args=[0])}
        return ctx


def editor_text():
    """What the zone editor's map controls say, from the catalogue: Leaflet's zoom buttons and Leaflet-Geoman's
    toolbar, tooltips and actions (passed to map.pm.setLang), and the editor's own messages."""
    return {
        "lang": get_language() or settings.LANGUAGE_CODE,
        "zoomIn": gettext("Zoom in"),
        "zoomOut": gettext("Zoom out"),
        "geoman": {
            "tooltips": {
                "firstVertex": gettext("Click to place the first corner"),
                "continueLine": gettext("Click to place the next corner"),
                "finishPoly": gettext("Click the first corner to close the boundary"),
                "finishRect": gettext("Click to place the opposite corner"),
            },
            "actions": {
                "finish": pgettext("map drawing", "Finish"),
                "cancel": pgettext("map drawing", "Cancel"),
                "removeLastVertex": gettext("Remove the last corner"),
            },
            "buttonTitles": {
                "drawPolyButton": gettext("Draw a boundary"),
                "drawRectButton": gettext("Draw a rectangle"),
                "editButton": gettext("Move the corners"),
                "deleteButton": gettext("Remove the drawing"),
            },
        },
        "drawHint": gettext(
            "Draw with the tools at the top left of the map; corners snap to compounds and buildings. "
            "Click the first corner again to close the boundary."
        ),
        "selectHint": gettext("Click compounds on the map to add them to the zone or take them out."),
        "unfinished": gettext(
            "The boundary is not closed yet: click its first corner to finish it, or press Cancel to drop it. "
            "Nothing was saved."
        ),
    }


class ZoneEditorView(PlannerMixin, generic.TemplateView):
    """Draw a zone with the editor (corners snap to compounds and buildings) or build it from compounds."""

    template_name = "planning/zone_editor.html"

    def get_permission_required(self):
        return ["planning.change_zone" if "pk" in self.kwargs else "planning.add_zone"]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        zone = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"]) if "pk" in self.kwargs else None
        if zone is not None:
            policy.require(self.request.user, "change", zone)
        ctx["object"] = zone
        ctx["initial"] = (
            {"id": zone.pk, "name": zone.name, "buffer_m": zone.buffer_m, "geometry": json.loads(zone.boundary.json)}
            if zone
            else None
        )
        ctx["config"] = {
            "zones": reverse("api:zone-list"),
            "preview": reverse("api:zone-preview"),
            "compounds": reverse("api:compound-list"),
            "buildings": reverse("api:building-list"),
            "zonePage": reverse("planning:zone-detail", args=[0]),
        }
        ctx["i18n"] = {
            "drawFirst": gettext("Draw the zone or choose compounds first."),
            "households": pgettext("number of households", "Households"),
            "residents": gettext("Residents"),
            "buildings": gettext("Buildings"),
            "area": pgettext("size in square metres", "Area"),
            "green": gettext("Green area"),
            "failed": gettext("Saving failed; please try again."),
        }
        ctx["editor_text"] = editor_text()
        return ctx


class ZoneDetailView(PlannerMixin, generic.DetailView):
    model = Zone
    template_name = "planning/zone_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        zone = self.object
        project = zone.projects.order_by("-created_at").first()
        checks = [(c, eligibility.check_compound(c, project)) for c in zone.compounds.order_by("name")]
        ctx["eligibility"] = [(c, rules, all(r.passed for r in rules)) for c, rules in checks]
        ctx["project"] = project
        ctx["projects"] = zone.projects.all()
        ctx["geojson"] = zone.boundary.json
        ctx["can_change"] = policy.allows(self.request.user, "change", zone)
        ctx["can_add_project"] = policy.allows(self.request.user, "planning.add_project", zone)
        ctx["config"] = {"adjacent": reverse("api:zone-adjacent", args=[zone.pk])}
        ctx["i18n"] = {"none": gettext("No compounds within that distance.")}
        return ctx

    def post(self, request, *args, **kwargs):
        """Recompute the statistics (facilities and cases change while the boundary stays)."""
        zone = self.get_object()
        policy.require(request.user, "change", zone)
        with transaction.atomic():
            zone_services.refresh_statistics(zone)
        messages.success(request, gettext("The statistics are up to date."))
        return redirect("planning:zone-detail", pk=zone.pk)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "comment_days", "start_on", "finish_on", "description"]
        widgets = {
            "start_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "finish_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "name",
            "item_class",
            "quantity",
            "unit",
            "cost_estimate",
            "fund_residents",
            "fund_government",
            "fund_utilities",
            "fund_social",
            "progress_pct",
        ]


class AcceptanceForm(forms.ModelForm):
    photos = PhotoField(label=_("photo"), required=True)

    class Meta:
        model = Acceptance
        fields = ["accepted_on", "inspectors", "resident_evaluation", "note"]
        widgets = {"accepted_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


class ProjectCreateView(LoginRequiredMixin, PermissionRequiredMixin, generic.CreateView):
    permission_required = "planning.add_project"
    form_class = ProjectForm
    template_name = "planning/project_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.zone = get_object_or_404(policy.scope(request.user, "view", Zone.objects.all()), pk=kwargs["zone"])
        policy.require(request.user, "planning.add_project", self.zone)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"name": gettext("Renovation of %(zone)s") % {"zone": self.zone.name}}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "zone": self.zone}

    def form_valid(self, form):
        form.instance.zone = self.zone
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("planning:project-detail", args=[self.object.pk])


class ProjectDetailView(LoginRequiredMixin, PermissionRequiredMixin, generic.DetailView):
    """The project: stages and gates, eligibility, consent, items and funding, acceptance, comment moderation."""

    permission_required = "planning.view_project"
    model = Project
    template_name = "planning/project_detail.html"

    def get_queryset(self):
        return policy.scope(self.request.user, "view", Project.objects.select_related("zone"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.object
        nxt = workflow.next_stage(p)
        ctx.update(
            stages=[
                (value, label, i < p.stage_index, value == p.stage) for i, (value, label) in enumerate(Stage.choices)
            ],
            next_stage=Stage(nxt).label if nxt else None,
            gate_problems=workflow.gate_problems(p, nxt) if nxt else [],
            eligibility=eligibility.check_project(p),
            consent=consent_service.consent(p, p.zone.boundary),
            items=p.items.all(),
            totals=item_totals(p),
            item_form=kwargs.get("item_form") or ItemForm(),
            acceptance_form=kwargs.get("acceptance_form") or AcceptanceForm(),
            acceptances=p.acceptances.prefetch_related("photos"),
            comments=p.comments.all(),
            can_change=policy.allows(self.request.user, "change", p),
            can_moderate=policy.allows(self.request.user, "planning.moderate_comment", p),
            can_vote=policy.may_somewhere(self.request.user, "planning.add_vote", Household),
            geojson=p.zone.boundary.json,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = p = self.get_object()
        action = request.POST.get("action")
        needs = "planning.moderate_comment" if action == "moderate" else "change"
        if not policy.allows(request.user, needs, p):
            raise PermissionDenied(policy.denied_message(needs, p))
        try:
            if action == "advance":
                p = workflow.advance(p, request.user)
                messages.success(request, gettext("The project moved to %(stage)s.") % {"stage": p.get_stage_display()})
            elif action in ("add_item", "edit_item"):
                instance = (
                    get_object_or_404(Item, pk=request.POST.get("item"), project=p) if action == "edit_item" else None
                )
                form = ItemForm(request.POST, instance=instance)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(item_form=form))
                form.instance.project = p
                workflow.save_item(form.instance, request.user)
                messages.success(request, gettext("Saved %(obj)s.") % {"obj": form.instance})
            elif action == "progress":
                item = get_object_or_404(Item, pk=request.POST.get("item"), project=p)
                try:
                    item.progress_pct = int(request.POST.get("progress_pct", ""))
                except ValueError:
                    raise ValidationError(gettext("Give the progress as a whole percentage."))
                workflow.save_item(item, request.user)
            elif action == "delete_item":
                workflow.delete_item(get_object_or_404(Item, pk=request.POST.get("item"), project=p), request.user)
            elif action == "acceptance":
                form = AcceptanceForm(request.POST, request.FILES)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(acceptance_form=form))
                with transaction.atomic():
                    form.instance.project = p
                    record = form.save()
                    AcceptancePhoto.objects.create(acceptance=record, image=form.cleaned_data["photos"])
                messages.success(request, gettext("The acceptance record is saved."))
            elif action == "moderate":
                comment = get_object_or_404(Comment, pk=request.POST.get("comment"), project=p)
                comment.status = (
                    Comment.Status.APPROVED if request.POST.get("decision") == "approve" else Comment.Status.REJECTED
                )
                comment.save(update_fields=["status"])
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        return redirect("planning:project-detail", pk=p.pk)


def item_totals(project):
    """Budget of a project's items: totals, funding, cost by class and the cost-weighted progress, one aggregate."""
    from django.db.models import DecimalField, F, Q, Sum, Value
    from django.db.models.functions import Coalesce

    fields = ["cost_estimate", *Item.FUNDING]
    zero = Value(0, output_field=DecimalField())
    agg = {f"sum_{f}": Coalesce(Sum(f), zero) for f in fields}
    agg |= {
        f"class_{value}": Coalesce(Sum("cost_estimate", filter=Q(item_class=value)), zero)
        for value, _label in ItemClass.choices
    }
    agg["weighted"] = Coalesce(Sum(F("progress_pct") * F("cost_estimate"), output_field=DecimalField()), zero)
    row = project.items.aggregate(**agg)
    totals = {f: row[f"sum_{f}"] for f in fields}
    totals["by_class"] = [(label, row[f"class_{value}"]) for value, label in ItemClass.choices]
    totals["unfunded"] = totals["cost_estimate"] - sum(totals[f] for f in Item.FUNDING)
    totals["progress"] = round(row["weighted"] / totals["cost_estimate"], 1) if totals["cost_estimate"] else 0
    return totals


def resident_code(project_id, household_id):
    """The code printed on a household's voting slip: only that household can vote for itself with it."""
    return salted_hmac("planning.vote", f"{project_id}:{household_id}").hexdigest()[:12]


class SurveyView(LoginRequiredMixin, PermissionRequiredMixin, generic.DetailView):
    """For grid workers: consent rates and a map of households that have not voted yet (door plates only)."""

    permission_required = "planning.add_vote"
    model = Project
    template_name = "planning/survey.html"

    def get_queryset(self):
        return policy.scope(self.request.user, "view", Project.objects.select_related("zone"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["consent"] = consent_service.consent(self.object, self.object.zone.boundary)
        ctx["choices"] = Vote.Choice.choices
        ctx["geojson"] = self.object.zone.boundary.json
        ctx["config"] = {
            "pending": reverse("api:renovation-project-pending", args=[self.object.pk]),
            "votes": reverse("api:renovation-project-votes", args=[self.object.pk]),
        }
        ctx["i18n"] = {
            "chooseFirst": gettext("Click a household and choose a vote first."),
            "recorded": gettext("Vote recorded."),
            "rates": gettext("{agree} of {n} households agree ({hh}), {area} of the floor area; {voted} have voted."),
        }
        return ctx


class ResidentVoteView(generic.TemplateView):
    """A resident votes with the link on the household's voting slip."""

    template_name = "planning/resident_vote.html"

    def dispatch(self, request, *args, **kwargs):
        self.project = get_object_or_404(Project.objects.select_related("zone"), pk=kwargs["project"])
        self.household = get_object_or_404(Household.objects.select_related("building"), pk=kwargs["household"])
        if not constant_time_compare(resident_code(self.project.pk, self.household.pk), kwargs["code"]):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        vote = Vote.objects.filter(project=self.project, household=self.household).first()
        ctx.update(project=self.project, door_plate=self.household.door_plate, vote=vote, choices=Vote.Choice.choices)
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            consent_service.record_vote(
                self.project, self.household, request.POST.get("choice"), channel=Vote.Channel.RESIDENT
            )
            messages.success(request, gettext("Thank you: your household's vote is recorded."))
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        return redirect(request.path)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Your comment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}))


def client_key(request):
    address = client_ip(request)
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


class PublicPlanView(generic.DetailView):
    """方案公示: zone map, items, budget, dates, design changes and approved comments. No personal data."""

    template_name = "planning/public_plan.html"
    model = Project

    def get_object(self, queryset=None):
        project = super().get_object(Project.objects.select_related("zone"))
        if not project.is_published:
            raise Http404
        return project

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.object
        ctx.update(
            items=p.items.all(),
            totals=item_totals(p),
            changes=p.design_changes.all(),
            comments=p.comments.filter(status=Comment.Status.APPROVED),
            comments_open=p.comments_open(),
            form=kwargs.get("form") or CommentForm(),
            geojson=p.zone.boundary.json,
            stage_index=STAGE_ORDER.index(p.stage),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = p = self.get_object()
        form = CommentForm(request.POST)
        if not p.comments_open():
            messages.error(request, gettext("This plan is no longer open for comments."))
            return redirect(request.path)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        key = client_key(request)
        hour_ago = timezone.now() - timezone.timedelta(hours=1)
        if Comment.objects.filter(client=key, at__gte=hour_ago).count() >= conf("COMMENTS_PER_HOUR"):
            messages.error(request, gettext("Too many comments from your address; please try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        Comment.objects.create(project=p, text=form.cleaned_data["text"], client=key)
        messages.success(request, gettext("Thank you. Your comment will appear once it has been reviewed."))
        return redirect(request.path)


class PublicPlanListView(generic.ListView):
    """Plans that have reached their public notice, newest first."""

    template_name = "planning/public_plan_list.html"

    def get_queryset(self):
        later = STAGE_ORDER[STAGE_ORDER.index(Stage.PUBLICATION) :]
        return Project.objects.filter(stage__in=later, published_on__isnull=False).order_by("-published_on", "name")
