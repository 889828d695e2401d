"""Pages: mobile report, public tracking, list + map for dispatchers and workers, case detail with its actions,
overdue list, on-time closure figures, notifications."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models.functions import GeometryDistance
from django.contrib.gis.geos import Point
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access, handlers, routing, services, workflow
from cases.forms import FilterForm, ReportForm
from cases.models import Case, CaseEvent, CasePhoto, Category, CategoryFamily, Notification, State
from common.errors import add_to_form, error_dict
from common.geometry import metric_srid
from common.params import ParamError, json_param_errors, parse_lonlat, raw
from common.ratelimit import public_write

MAX_FEATURES = 3000


def staff_cases(request, form):
    """The staff pages' cases: the filter's (FilterForm.for_query: open ones unless a state is asked for), narrowed
    to what the user reads."""
    return access.visible_cases(request.user, form.filter(Case.objects.all()))


def grouped_categories():
    families = CategoryFamily.objects.prefetch_related("categories").order_by("code")
    return [(f, [c for c in f.categories.all() if c.active]) for f in families]


def point_from(params):
    """?lon=&lat= in WGS 84 degrees (common.params: a ParamError naming the parameter when missing or wrong)."""
    lon, lat = parse_lonlat(params)
    return Point(lon, lat, srid=4326)


# --- reporting -----------------------------------------------------------------------------------------------
def field_worker_url():
    """The service worker that keeps this page for offline use (the field workspace's), None without it."""
    try:
        return reverse("field:sw")
    except NoReverseMatch:
        return None


def make_case(request, d):
    """The case of a report made on the report page: (case, created). A report carrying the id the page gave it
    (a queued one, maybe sent again after a lost answer) answers the case that id made (cases.services.submit_once)."""
    category = services.category_by_code(d["category"])
    asset = None
    if d["asset"]:
        from assets.models import Asset

        asset = Asset.objects.filter(identifier=d["asset"].strip()).first()
        if asset is None:
            raise ValidationError({"asset": _("No asset has the identifier %(id)s.") % {"id": d["asset"]}})
    return services.submit_once(
        services.Report(
            kind=d["kind"],
            category=category,
            description=d["description"],
            location=Point(d["lon"], d["lat"], srid=4326),
            reporter=request.user,
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            address=d["address"],
            asset=asset,
            photos=request.FILES.getlist("photos"),
            client_id=d["client_id"],
        )
    )


def queued_report(request, form):
    """A report the page queued on the phone (maybe offline) and sends now, answered as JSON: 201 with the case
    (200 when its id already made one), 400 naming the fields, 409 for the reporter's exact duplicate. The page
    names the account it was made under (`account`: the user's id, empty when signed out); sent under any other
    session it is refused with the code "account" and nothing is made, so the phone keeps it for that account."""
    if access.queued_by_another(request.user, request.POST.get("account")):
        message = _("This report was made under another account: it is sent when that account is signed in here.")
        return JsonResponse({"detail": message, "code": "account"}, status=403)
    if not form.is_valid():
        errors = {("non_field_errors" if k == "__all__" else k): list(v) for k, v in form.errors.items()}
        return JsonResponse(errors, status=400)
    try:
        case, created = make_case(request, form.cleaned_data)
    except services.DuplicateReport as exc:
        track_url = reverse("cases:track", kwargs={"token": exc.case.token})
        return JsonResponse({"detail": exc.messages[0], "case": {"id": exc.case.pk, "url": track_url}}, status=409)
    except ValidationError as exc:
        return JsonResponse(error_dict(exc), status=400)
    body = {
        "id": case.pk,
        "number": case.number,
        "url": reverse("cases:track", kwargs={"token": case.token}),
        "created": created,
    }
    return JsonResponse(body, status=201 if created else 200)


@public_write
def report(request):
    """The mobile report page: locate, pick a category, a few words, photos, submit. The page's script queues the
    report on the phone and sends it as JSON (queued_report); without the script the form posts here."""
    form = ReportForm(request.POST or None)
    if request.method == "POST" and "application/json" in request.headers.get("Accept", ""):
        return queued_report(request, form)
    if request.method == "POST" and form.is_valid():
        try:
            case, _created = make_case(request, form.cleaned_data)
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Thank you: report %(id)s is in. Keep this page to follow it.") % {"id": case.pk},
            )
            return redirect("cases:track", token=case.token)
    return render(
        request,
        "cases/report.html",
        {
            "form": form,
            "families": grouped_categories(),
            "max_photos": settings.CASES["MAX_PHOTOS"],
            "component_codes": list(Category.objects.filter(component=True).values_list("code", flat=True)),
            "config": {
                "nearby": reverse("cases:nearby"),
                "assets": reverse("cases:assets-near"),
                "sw": field_worker_url(),
                "reportPage": reverse("cases:report"),
                "user": request.user.pk if request.user.is_authenticated else None,
                # Leaflet's marker images, loaded only once a place is set: kept for offline use with the page.
                "keep": [
                    staticfiles_storage.url(f"leaflet/images/marker-{n}.png") for n in ("icon", "icon-2x", "shadow")
                ],
            },
            "i18n": {
                "located": _("Location set"),
                "noGeo": _("Your position is not available; tap the map."),
                "addTo": _("Add my report to this one"),
                "away": _("m away"),
                "pick": _("Choose"),
                "needLocation": _("Locate the case: use your position or tap the map."),
                "pending": _("waiting to send"),
                "retrying": _("will try again"),
                "sent": _("Sent"),
                "refused": _("Not accepted"),
                "follow": _("Follow it"),
                "existing": _("the existing case"),
                "otherAccount": _("made under another account: sent when that account is signed in on this phone"),
                "queued": _("Saved on the phone; it is sent when there is a network."),
                "signIn": _("Sign in again (or reload the page) to send"),
                "online": _("Online"),
                "offline": _("Offline: your report is kept on this phone"),
                "report": _("Report"),
            },
        },
    )


@json_param_errors
def nearby(request):
    """Open cases of the same category within 50 m of a point, for the duplicate hint before submit."""
    point = point_from(request.GET)
    category = Category.objects.filter(code=raw(request.GET, "category") or "").first()
    if category is None:
        raise ParamError("category", _("category must be a known category code, e.g. 0101."))
    found = services.possible_duplicates(point, category)
    # Descriptions only of the cases this user may open.
    case_ids_readable = set(
        access.visible_cases(request.user, Case.objects.filter(pk__in=[c.pk for c in found])).values_list(
            "pk", flat=True
        )
    )
    srid = metric_srid(point.x, point.y)
    here = point.transform(srid, clone=True)
    rows = []
    for c in found:
        rows.append(
            {
                "id": c.pk,
                "category": str(c.category),
                "state": str(State(c.state).label),
                # Reporters' words are for staff; a visitor sees what, where and since when.
                "description": c.description[:60] if case_ids_readable and c.pk in case_ids_readable else "",
                "distance_m": round(c.location.transform(srid, clone=True).distance(here), 1),
                "reported": timezone.localtime(c.created_at).strftime("%Y-%m-%d"),
                "add_url": reverse("cases:add", args=[c.pk]),
            }
        )
    return JsonResponse({"radius_m": services.DUPLICATE_RADIUS_M, "cases": rows})


@json_param_errors
def assets_near(request):
    """The five assets nearest a point (KNN on the anchor index), to link a component case."""
    from assets.models import Asset

    point = point_from(request.GET)
    srid = metric_srid(point.x, point.y)
    here = point.transform(srid, clone=True)
    found = Asset.objects.select_related("type").order_by(GeometryDistance("anchor", point))[:5]
    return JsonResponse(
        {
            "assets": [
                {
                    "identifier": a.identifier,
                    "name": a.name,
                    "type": str(a.type),
                    "department": a.department,
                    "distance_m": round(a.anchor.transform(srid, clone=True).distance(here), 1),
                }
                for a in found
            ]
        }
    )


@public_write
@require_POST
def add(request, pk):
    """Add one's report to an existing open case instead of duplicating it."""
    case = get_object_or_404(Case, pk=pk)
    try:
        services.add_to(case, request.user, request.POST.get("description", ""), request.FILES.getlist("photos"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("cases:report")
    messages.success(request, _("Added to report %(id)s: thank you.") % {"id": case.pk})
    return redirect("cases:track", token=case.token)


def track(request, token):
    """Public progress of a report: category, state and steps with dates; no names, phones or notes."""
    case = get_object_or_404(Case.objects.select_related("category", "community"), token=token)
    steps = [(e.action_label, e.at, e.note if e.action == "reject" else "") for e in CaseEvent.objects.of_case(case)]
    return render(request, "cases/track.html", {"case": case, "steps": steps, "state": State(case.state).label})


# --- dispatcher / worker pages ---------------------------------------------------------------------------------
def staff_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not access.may_open_staff_pages(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@staff_required
def case_list(request):
    form = FilterForm.for_query(request.GET)
    qs = staff_cases(request, form)
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "count": qs.count(),
            "querystring": request.GET.urlencode(),
            "states": State.choices,
            "config": {
                "features": f"{reverse('cases:features')}?{request.GET.urlencode()}",
                "heat": f"{reverse('cases:heat')}?{request.GET.urlencode()}",
            },
            "i18n": {"overdue": _("overdue"), "hours": _("h")},
        },
    )


@staff_required
def features(request):
    """The filtered cases as GeoJSON (the map and the list read the same answer)."""
    form = FilterForm.for_query(request.GET)
    qs = staff_cases(request, form)
    qs = qs.select_related("category", "cell").order_by("-created_at")[:MAX_FEATURES]
    now = timezone.now()
    feats = []
    for c in qs:
        left = c.time_left(now)
        feats.append(
            {
                "type": "Feature",
                "id": c.pk,
                "geometry": {"type": "Point", "coordinates": [round(c.location.x, 6), round(c.location.y, 6)]},
                "properties": {
                    "id": c.pk,
                    "category": str(c.category),
                    "state": c.state,
                    "state_label": str(State(c.state).label),
                    "cell": c.cell.code if c.cell_id else "",
                    "reported": timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
                    "hours_left": round(left.total_seconds() / 3600, 1) if left is not None else None,
                    "overdue": left is not None and left.total_seconds() < 0,
                    "url": reverse("cases:detail", args=[c.pk]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": feats})


@staff_required
def heat(request):
    """Case density as squares of 200 m (counts per square, one grouped SQL query) for the heat view."""
    form = FilterForm.for_query(request.GET)
    qs = staff_cases(request, form)
    first = qs.values_list("location", flat=True).first()
    if first is None:
        return JsonResponse({"type": "FeatureCollection", "features": []})
    size = 200.0
    rows = services.heat_squares(qs, metric_srid(first.x, first.y), size)
    feats = [{"type": "Feature", "geometry": json.loads(g), "properties": {"count": n}} for g, n in rows]
    return JsonResponse({"type": "FeatureCollection", "features": feats, "size_m": size})


@staff_required
def overdue(request):
    now = timezone.now()
    qs = access.visible_cases(request.user, Case.objects.overdue(now)).select_related(
        "category", "cell", "handler_party", "handler_user"
    )
    page = Paginator(qs.order_by("deadline_at"), 50).get_page(request.GET.get("page"))
    rows = [(c, now - c.deadline_at) for c in page]
    return render(request, "cases/overdue.html", {"page": page, "rows": rows})


@staff_required
def stats(request):
    visible = access.visible_cases(request.user)  # the figures of the cases this user reads, not the whole city's
    tables = [
        (_("By grid cell"), "grid", services.on_time_rates("grid", visible)),
        (_("By grid worker"), "worker", services.on_time_rates("worker", visible)),
        (_("By department"), "department", services.on_time_rates("department", visible)),
    ]
    return render(request, "cases/stats.html", {"tables": tables})


def detail(request, pk):
    case = get_object_or_404(
        Case.objects.select_related("category__family", "community", "cell", "handler_party", "handler_user", "asset"),
        pk=pk,
    )
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not access.case_visible(request.user, case):
        raise PermissionDenied
    actions = workflow.allowed_actions(case, request.user)
    suggestion = routing.suggest(case) if any(t.needs_handler for t in actions) else None
    others = handlers.other_handlers(case, suggestion) if suggestion is not None else []
    events = CaseEvent.objects.of_case(case).select_related("actor").prefetch_related("photos")
    deed = None
    if case.kind == Case.Kind.GOOD_DEED and case.household_id is None and any(t.action == "register" for t in actions):
        deed = [(h.pk, str(h)) for h in deed_households(request.user, case)[:500]]
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "state": State(case.state).label,
            "actions": actions,
            "suggestion": suggestion,
            "others": others,
            "events": events,
            "time_left": case.time_left(),
            "overdue": case.is_overdue(),
            "contact": (case.masked("contact_name"), case.masked("contact_phone")),
            "geojson": json.loads(case.location.geojson),
            "deed_households": deed,
        },
    )


def deed_households(user, case):
    """Households a good deed can be credited to: of the case's community, within what the user may read."""
    from accounts.scoping import scope_households
    from grids.models import Household

    qs = Household.objects.filter(community_id=case.community_id).select_related("building")
    return scope_households(qs, user).order_by("building__name", "unit", "room", "pk")


@require_POST
@login_required
def act(request, pk, action):
    case = get_object_or_404(Case, pk=pk)
    if not access.case_visible(request.user, case):
        raise PermissionDenied
    handler = None
    if action == "dispatch":
        handler = routing.resolve_handler(request.POST.get("handler_other") or request.POST.get("handler"))
    version = request.POST.get("version", "")
    if not version.isdigit():
        # Every step, sending a case on to another handler (改派) included, names the version it was taken on.
        messages.error(request, _("The form did not say which version of the case it was made on; reload the case."))
        return redirect("cases:detail", pk=pk)
    household = None
    if request.POST.get("household"):
        chosen = request.POST["household"]
        household = deed_households(request.user, case).filter(pk=chosen).first() if chosen.isdigit() else None
        if household is None:
            messages.error(request, _("Choose a household of the case's community."))
            return redirect("cases:detail", pk=pk)
    try:
        workflow.perform(
            case,
            action,
            request.user,
            note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"),
            handler=handler,
            expected_version=int(version),
            household=household,
        )
    except workflow.TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": workflow.action_label(action)})
    return redirect("cases:detail", pk=pk)


def photo(request, pk):
    """A case photo, for people who may see the case."""
    # Only a re-encoded photo is served: one still pending (its raw bytes, EXIF and all, wait for the worker) or
    # failed has no file to send.
    p = get_object_or_404(CasePhoto.objects.select_related("case"), pk=pk, status=CasePhoto.Status.READY)
    if not access.case_visible(request.user, p.case):
        raise Http404
    return FileResponse(p.image.open("rb"), content_type="image/jpeg")


@login_required
def notifications(request):
    items = list(Notification.objects.filter(recipient=request.user).select_related("case")[:100])
    for n in items:
        # The reporter rates the handling from the notification of the closure (the rating page is cocreate's).
        c = n.case
        closed_now = c.state == State.CLOSED and c.closed_at is not None
        n.rate = closed_now and c.reporter_id == request.user.pk and n.created_at >= c.closed_at
    if request.method == "POST":
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return redirect("cases:notifications")
    return render(request, "cases/notifications.html", {"items": items})
