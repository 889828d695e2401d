"""Pages of the co-creation instruments. Every page asks the access policy; public pages show no personal data
(door plates or aliases at most, never names, phones or who posted what)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from cocreate import campaigns, contributions, evaluation, forms, mediation, services, spotchecks
from cocreate.models import (
    Campaign,
    Contribution,
    Decision,
    Finding,
    Mediation,
    Meeting,
    Need,
    Satisfaction,
    SpotCheckItem,
)
from common import xlsx
from common.errors import add_to_form
from grids.models import Community


def _get(request, model, pk, action="view", queryset=None):
    """The record when the user may take `action` on it; 404 otherwise (outside the area reads as not there)."""
    qs = queryset if queryset is not None else model._default_manager.all()
    obj = get_object_or_404(policy.scope(request.user, action, qs), pk=pk)
    return obj


# --- 共谋 -----------------------------------------------------------------------------------------------------------
def needs(request, pk):
    """需求清单 of a community, on a list and a map: public, without who posted them."""
    community = get_object_or_404(Community.objects.select_related("street"), pk=pk)
    rows = policy.scope(request.user, "view", Need.objects.filter(community=community)).order_by(
        "-supporters", "-created_at"
    )
    features = [
        {
            "id": n.pk,
            "title": n.title,
            "supporters": n.supporters,
            "status": n.get_status_display(),
            "lon": n.location.x,
            "lat": n.location.y,
        }
        for n in rows[:500]
    ]
    supported = set()
    if request.user.is_authenticated:
        supported = set(
            request.user.needsupport_set.filter(need__community=community).values_list("need_id", flat=True)
        )
    from cocreate.models import CoProject, Resource

    return render(
        request,
        "cocreate/needs.html",
        {
            "community": community,
            "needs": rows[:500],
            "supported": supported,
            "features": features,
            "resources": Resource.objects.filter(community=community),
            "meetings": policy.scope(request.user, "view", Meeting.objects.filter(community=community))[:20],
            "may_call": policy.reaches(
                request.user,
                "cocreate.add_meeting",
                district=community.street.district_id,
                street=community.street_id,
                community=community.pk,
            ),
            "projects": CoProject.objects.filter(community=community),
            "campaigns": policy.scope(request.user, "view", Campaign.objects.filter(community=community))[:20],
            "may_campaign": policy.reaches_community(request.user, "cocreate.add_campaign", community),
        },
    )


@login_required
def need_new(request):
    form = forms.NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            need = services.post_need(
                request.user,
                title=d["title"],
                description=d["description"],
                topic=d["topic"],
                location=Point(d["lon"], d["lat"], srid=4326),
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Thank you: your need is on the community's list."))
            return redirect("cocreate:needs", pk=need.community_id)
    return render(request, "cocreate/need_form.html", {"form": form, "i18n": {"located": _("Placed")}})


@require_POST
@login_required
def need_support(request, pk):
    need = _get(request, Need, pk)
    if services.support(need, request.user):
        messages.success(request, _("Your support is counted."))
    else:
        messages.info(request, _("You already support this need."))
    return redirect("cocreate:needs", pk=need.community_id)


@login_required
def meeting_detail(request, pk):
    meeting = _get(request, Meeting, pk)
    may_run = policy.allows(request.user, "change", meeting)
    form = forms.DecisionForm(meeting=meeting, data=request.POST or None)
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied(policy.denied_message("change", meeting))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.decide(
                    meeting,
                    request.user,
                    text=d["text"],
                    outcome=d["outcome"],
                    need=d["need"],
                    votes_for=d["votes_for"] or 0,
                    votes_against=d["votes_against"] or 0,
                    owner=d["owner"],
                    deadline=d["deadline"],
                    category=d["category"],
                )
            except ValidationError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("The decision is recorded."))
                return redirect("cocreate:meeting", pk=meeting.pk)
    return render(
        request,
        "cocreate/meeting.html",
        {
            "meeting": meeting,
            "decisions": meeting.decisions.select_related("task", "case", "item", "need"),
            "agenda": meeting.agenda.all(),
            "households": meeting.households.count(),
            "form": form,
            "agenda_form": forms.AgendaForm(meeting, initial={"agenda": meeting.agenda.all()}) if may_run else None,
            "may_run": may_run,
        },
    )


@login_required
def meeting_new(request, pk):
    """A community's staff call a deliberation meeting."""
    community = get_object_or_404(Community.objects.select_related("street"), pk=pk)
    if not policy.reaches(
        request.user,
        "cocreate.add_meeting",
        district=community.street.district_id,
        street=community.street_id,
        community=community.pk,
    ):
        raise Http404
    form = forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = Meeting(community=community, **form.cleaned_data)
        try:
            meeting.full_clean()
            meeting = policy.save_checked(request.user, "add", lambda: (meeting.save(), meeting)[1])
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            return redirect("cocreate:meeting", pk=meeting.pk)
    return render(request, "cocreate/meeting_form.html", {"form": form, "community": community})


@require_POST
@login_required
def meeting_agenda(request, pk):
    """The meeting's agenda (needs of its community) and the households that took part."""
    meeting = _get(request, Meeting, pk, "change")
    form = forms.AgendaForm(meeting, request.POST)
    if form.is_valid():
        try:
            services.set_agenda(meeting, request.user, form.cleaned_data["agenda"])
            services.set_participants(meeting, request.user, form.cleaned_data["households"])
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("The agenda and the participants are saved."))
    else:
        for errors in form.errors.values():
            for m in errors:
                messages.error(request, m)
    return redirect("cocreate:meeting", pk=meeting.pk)


@require_POST
@login_required
def meeting_publish(request, pk):
    meeting = _get(request, Meeting, pk)
    try:
        services.publish(meeting, request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("The meeting's record and decisions are on the public notice page."))
    return redirect("cocreate:meeting", pk=meeting.pk)


def notices(request):
    """公示: published meetings with their record and decisions — no names, no door plates."""
    from django.db.models import Count

    rows = (
        Meeting.objects.filter(published_at__isnull=False)
        .select_related("community")
        .annotate(n_households=Count("households", distinct=True))
        .order_by("-held_at")
    )
    community = request.GET.get("community")
    if community:
        from common.params import parse_int

        rows = rows.filter(community_id=parse_int(request.GET, "community"))
    decisions = {}
    for d in Decision.objects.filter(meeting__in=rows[:50]).select_related("task", "case"):
        decisions.setdefault(d.meeting_id, []).append(d)
    meetings = [(m, decisions.get(m.pk, [])) for m in rows[:50]]
    return render(request, "cocreate/notices.html", {"meetings": meetings})


# --- 共评 -----------------------------------------------------------------------------------------------------------
def rate_case(request, token):
    """The reporter's rating of a closed case, from the tracking page."""
    from cases.models import Case, State

    case = get_object_or_404(Case, token=token)
    if not evaluation.may_rate_case(case, request.user, token if not case.reporter_id else None):
        raise Http404
    if case.state != State.CLOSED:
        raise Http404
    form = forms.CaseRatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation.rate_case(
                case,
                form.cleaned_data["level"],
                request.user,
                note=form.cleaned_data["note"],
                token=None if case.reporter_id else token,
            )
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            if form.cleaned_data["level"] == Satisfaction.NOT:
                messages.success(request, _("Thank you. The case goes back to the dispatcher for review."))
            else:
                messages.success(request, _("Thank you for your rating."))
            return redirect("cases:track", token=case.token)
    rated = case.ratings.filter(closed_at=case.closed_at).first()
    return render(request, "cocreate/rate_case.html", {"case": case, "form": form, "rated": rated})


@login_required
def rate_project(request, pk):
    """居民评价: a resident rates the finished project for their household, once, during completion acceptance."""
    from planning.models import Project, Stage

    project = get_object_or_404(Project, pk=pk)
    households = evaluation.zone_households(project).filter(
        pk__in=policy.scope(request.user, "view", evaluation.zone_households(project)).values("pk")
    )
    households = households.filter(pk__in=request.user.memberships.values("household"))
    household = households.first()
    if household is None or project.stage != Stage.ACCEPTANCE:
        raise Http404
    done = project.resident_ratings.filter(household=household).first()
    form = forms.CaseRatingForm(request.POST or None)
    if request.method == "POST" and not done and form.is_valid():
        try:
            evaluation.rate_project(
                project, household, form.cleaned_data["level"], note=form.cleaned_data["note"], by=request.user
            )
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Thank you: your household's rating is recorded."))
            return redirect("cocreate:rate-project", pk=project.pk)
    n, ok, share, total = evaluation.project_satisfaction(project)
    return render(
        request,
        "cocreate/rate_project.html",
        {"project": project, "form": form, "done": done, "n": n, "share": share, "total": total},
    )


# --- 共建 -----------------------------------------------------------------------------------------------------------
def project_thanks(request, pk):
    """Public thank-you list of a renovation project: door plate or alias, what was given; the totals beside the
    funding of the renovation items."""
    from planning.models import Project

    project = get_object_or_404(Project, pk=pk)
    if not project.is_published and not policy.allows(request.user, "view", project):
        raise Http404  # like the plan itself: public once published (公示)
    return render(
        request,
        "cocreate/thanks.html",
        {
            "project": project,
            "rows": contributions.thank_you(project),
            "totals": contributions.project_totals(project),
            "may_contribute": policy.allows(request.user, "view", project)
            and any(
                policy.reaches_community(request.user, "cocreate.add_contribution", c)
                for c in Community.objects.filter(boundary__intersects=project.zone.boundary).select_related("street")
            ),
        },
    )


# --- 集中整治 -------------------------------------------------------------------------------------------------------
@login_required
def campaign_detail(request, pk):
    campaign = _get(request, Campaign, pk)
    fmt = request.GET.get("format")
    weeks = campaigns.weekly_figures(campaign)
    if fmt == "xlsx":
        return xlsx.download(campaigns.weekly_report(campaign, weeks), f"campaign-{campaign.pk}.xlsx")
    if fmt == "pdf":
        from django.http import HttpResponse

        response = HttpResponse(campaigns.weekly_pdf(campaign, weeks), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.pdf"'
        return response
    from django.db.models import Prefetch

    from cases.models import CasePhoto

    # The findings the reader may see (a worker sees those in their cells; the figures above are counts only).
    findings = list(
        policy.scope(request.user, "view", campaign.findings.all())
        .select_related("case", "case__category", "case__cell")
        .prefetch_related(
            Prefetch(
                "case__photos",
                # Re-encoded photos only: one the worker has not processed yet (or could not read) is not shown.
                queryset=CasePhoto.objects.filter(status=CasePhoto.Status.READY).select_related("event").order_by("id"),
            )
        )[:200]
    )
    for f in findings:
        photos = list(f.case.photos.all())
        # Before: the photos of the report; after: those of the handling step (处置反馈).
        f.before = [p for p in photos if p.event is None or p.event.action == "report"][:1]
        f.after = [p for p in photos if p.event is not None and p.event.action == "handle"][:1]
    features = [
        {
            "lon": f.case.location.x,
            "lat": f.case.location.y,
            "title": f"{f.case.category} · {f.case.get_state_display()}",
            "status": f.checklist_item,
            "supporters": 0,
        }
        for f in findings
    ]
    may_check = policy.reaches_community(request.user, "cocreate.add_spotcheck", campaign.community)
    checks = campaign.spot_checks.prefetch_related(
        Prefetch(
            "items", queryset=SpotCheckItem.objects.select_related("finding__case__category", "finding__case__cell")
        )
    )
    return render(
        request,
        "cocreate/campaign.html",
        {
            "board": spotchecks.board(campaign),
            "spot_checks": checks[:12],
            "may_check": may_check,
            "check_form": forms.SpotCheckForm(initial={"week": spotchecks.monday(timezone.localdate())}),
            "result_choices": SpotCheckItem.Result.choices,
            "campaign": campaign,
            "weeks": weeks,
            "findings": findings,
            "features": features,
            "may_record": policy.may_somewhere(request.user, "add", Finding),
            "may_contribute": policy.reaches_community(request.user, "cocreate.add_contribution", campaign.community),
        },
    )


@login_required
def campaign_finding(request, pk):
    """A worker records a finding on the map during the campaign: it becomes a case of the campaign."""
    campaign = _get(request, Campaign, pk)
    if not policy.may_somewhere(request.user, "add", Finding):
        raise PermissionDenied(policy.denied_message("add", Finding))
    form = forms.FindingForm(campaign=campaign, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            finding = campaigns.record_finding(
                campaign,
                request.user,
                category=d["category"],
                description=d["description"],
                location=Point(d["lon"], d["lat"], srid=4326),
                checklist_item=d["checklist_item"],
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            add_to_form(form, exc)
        except PermissionDenied as exc:  # a place of the campaign outside the user's cells: nothing was kept
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Finding recorded as case %(id)s.") % {"id": finding.case_id})
            return redirect("cocreate:campaign-finding", pk=campaign.pk)
    return render(
        request,
        "cocreate/finding_form.html",
        {"campaign": campaign, "form": form, "i18n": {"located": _("Placed")}},
    )


# --- 调解 -----------------------------------------------------------------------------------------------------------
@login_required
def mediations(request):
    rows = policy.scope(request.user, "view", Mediation.objects.select_related("community"))
    if not policy.is_admin(request.user) and not request.user.mediator_of.exists() and not rows.exists():
        raise PermissionDenied(_("Mediations are read by the community's mediators and the parties' grid worker."))
    return render(
        request,
        "cocreate/mediations.html",
        {"rows": rows[:200], "figures": mediation.figures(rows)},
    )


def mediation_photo(request, pk):
    """A photo of a signed agreement, for those who may read the mediation (the community's mediators, whoever holds
    the dispute's cell today, administrators); 404 for everybody else, signed in or not. Never kept by a shared
    cache or the browser's disk cache."""
    from django.http import FileResponse
    from django.utils.cache import patch_cache_control

    from cocreate.models import MediationPhoto

    # A ready photo only: one the worker has not re-encoded yet (or could not read) has nothing to serve.
    ready = MediationPhoto.objects.filter(status=MediationPhoto.Status.READY)
    photo = get_object_or_404(policy.scope(request.user, "view", ready), pk=pk)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    patch_cache_control(response, private=True, no_store=True, max_age=0)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def mediation_detail(request, pk):
    m = _get(request, Mediation, pk)
    form = forms.MediationStepForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                mediation.record_step(m, request.user, d["step"], d["on"], d["note"], request.FILES.getlist("photos"))
            except ValidationError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("Recorded."))
                return redirect("cocreate:mediation", pk=m.pk)
        m.refresh_from_db()
    return render(
        request,
        "cocreate/mediation.html",
        {
            "m": m,
            "workers": m.cell_workers(),
            "parties": m.parties.all(),
            "sessions": m.sessions.select_related("mediator"),
            "follow_ups": m.follow_ups.select_related("by"),
            "form": form,
            "photos": list(m.photos.all()),
        },
    )


# --- staff entry: contributions and campaigns -----------------------------------------------------------------------
def _target(request, target, pk):
    """(the project, campaign or facility the contribution goes to, its communities where the user records
    contributions): 404 when the user may not read the target or record anything there."""
    from assets.models import Asset
    from planning.models import Project

    if target == "project":
        obj = _get(request, Project, pk, queryset=Project.objects.select_related("zone"))
        near = Community.objects.filter(boundary__intersects=obj.zone.boundary)
    elif target == "campaign":
        obj = _get(request, Campaign, pk)
        near = Community.objects.filter(pk=obj.community_id)
    elif target == "facility":
        obj = _get(request, Asset, pk)
        near = Community.objects.filter(pk=obj.community_id)
    else:
        raise Http404
    # The community's managers (or those of its street or district): a worker's cells do not make a community theirs.
    perm = "cocreate.add_contribution"
    candidates = [
        c
        for c in near.select_related("street").order_by("name", "pk")
        if policy.reaches_community(request.user, perm, c)
    ]
    if not candidates:
        raise Http404
    return obj, candidates


@login_required
def contribution_new(request, target, pk):
    """A community's managers record a contribution (money, labour, materials, land drawn on the map) to a project,
    a campaign or a facility of their area."""
    from common.params import parse_int

    obj, candidates = _target(request, target, pk)
    community = candidates[0]
    wanted = request.GET.get("community")
    if wanted:
        community = next((c for c in candidates if c.pk == parse_int(request.GET, "community")), None)
        if community is None:
            raise Http404
    instance = Contribution(community=community, **{target: obj})
    form = forms.ContributionForm(request.POST or None, instance=instance, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.record_contribution(form.instance, request.user)
        except ValidationError as exc:
            add_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The contribution is recorded: %(what)s.") % {"what": saved})
            return redirect(request.get_full_path())
    recent = policy.scope(
        request.user, "view", Contribution.objects.filter(**{target: obj}).select_related("household__building")
    )[:20]
    return render(
        request,
        "cocreate/contribution_form.html",
        {
            "form": form,
            "target": obj,
            "target_kind": target,
            "community": community,
            "candidates": candidates,
            "recent": recent,
        },
    )


@login_required
def campaign_new(request, pk):
    """A community's managers start a campaign: the zone drawn on the map or a set of cells, the period, the target
    categories and the checklist."""
    community = get_object_or_404(Community.objects.select_related("street"), pk=pk)
    if not policy.reaches_community(request.user, "cocreate.add_campaign", community):
        raise Http404
    form = forms.CampaignForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.create_campaign(
                request.user,
                form.instance,
                cells=list(form.cleaned_data["cells"]),
                categories=list(form.cleaned_data["categories"]),
            )
        except ValidationError as exc:
            add_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The campaign is set up."))
            return redirect("cocreate:campaign", pk=campaign.pk)
    return render(request, "cocreate/campaign_form.html", {"form": form, "community": community})


# --- 每周抽查 and 红黑榜 -----------------------------------------------------------------------------------------
@require_POST
@login_required
def spot_check_draw(request, pk):
    """A community's managers draw the week's sample of the campaign's findings."""
    campaign = _get(request, Campaign, pk)
    if not policy.reaches_community(request.user, "cocreate.add_spotcheck", campaign.community):
        raise Http404
    form = forms.SpotCheckForm(request.POST)
    if form.is_valid():
        try:
            check = spotchecks.draw(campaign, request.user, form.cleaned_data["week"], form.cleaned_data["size"])
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("%(n)s findings drawn for the week's spot check.") % {"n": check.items.count()})
    else:
        for field, errors in form.errors.items():
            for m in errors:
                messages.error(request, f"{form.fields[field].label}: {m}" if field in form.fields else m)
    return redirect(reverse("cocreate:campaign", args=[campaign.pk]) + "#spot-checks")


@require_POST
@login_required
def spot_check_result(request, pk):
    """Pass or fail for one sampled finding."""
    from cocreate.models import SpotCheck

    item = get_object_or_404(
        SpotCheckItem.objects.select_related("spot_check__campaign__community__street"),
        pk=pk,
        spot_check__in=policy.scope(request.user, "change", SpotCheck.objects.all()),
    )
    campaign = item.spot_check.campaign
    if not policy.reaches_community(request.user, "cocreate.change_spotcheck", campaign.community):
        raise Http404
    form = forms.SpotCheckResultForm(request.POST)
    if form.is_valid():
        try:
            spotchecks.record(item, request.user, form.cleaned_data["result"], form.cleaned_data["note"])
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("Recorded."))
    else:
        for errors in form.errors.values():
            for m in errors:
                messages.error(request, m)
    return redirect(reverse("cocreate:campaign", args=[campaign.pk]) + "#spot-checks")


def campaign_board(request, pk):
    """红黑榜, public: communities (villages) of the campaign's wave with their rates; no person is named."""
    campaign = get_object_or_404(Campaign.objects.select_related("community__street"), pk=pk)
    return render(
        request,
        "cocreate/board.html",
        {"campaign": campaign, "board": spotchecks.board(campaign), "wave": spotchecks.wave(campaign)},
    )
