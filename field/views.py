"""The field workspace (/field/): a phone page for grid workers and handlers that works offline once opened, its
service worker, its web app manifest and the data it keeps for offline use."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import policy
from cases.access import may_open_staff_pages
from cases.models import Category
from common.params import ParamError
from field import inbox

WORKBOX_MODULES = ("workbox-core", "workbox-routing", "workbox-strategies", "workbox-expiration")


def field_staff_required(view):
    """Staff who read cases (the same rule as the case pages): grid workers, handlers, dispatchers, managers."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not may_open_staff_pages(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def categories_for(user):
    """Active categories, the ones the user reported most first (then by code)."""
    qs = (
        Category.objects.filter(active=True)
        .select_related("family")
        .annotate(mine=Count("cases", filter=Q(cases__reporter=user)))
        .order_by("-mine", "code")
    )
    return [{"code": c.code, "name": str(c), "family": str(c.family), "mine": c.mine} for c in qs]


def tiles():
    config = settings.LEAFLET_CONFIG.get("TILES") or []
    if not config:
        return None
    _name, url, options = config[0]
    return {"url": url, "attribution": options.get("attribution", "")}


@never_cache
@field_staff_required
def workspace(request):
    get_token(request)  # the CSRF cookie the queued requests send back
    lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
    config = {
        "urls": {
            "data": reverse("field:data"),
            "sw": reverse("field:sw"),
            "report": reverse("field:api-report"),
            "act": reverse("field:api-act", args=[0, "ACTION"]),
            "nearby": reverse("cases:nearby"),
            "search": reverse("field:search"),
            "detail": reverse("cases:detail", args=[0]),
            "reportPage": reverse("cases:report"),
            "workspace": reverse("field:workspace"),
            "patrol": reverse("field:api-patrol"),
            "logout": reverse("logout"),
            "notifications": reverse("cases:notifications"),
        },
        "categories": categories_for(request.user),
        "tiles": tiles(),
        "center": [lat, lon],
        "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"],
        "user": request.user.pk,
        "maxPhotos": settings.CASES["MAX_PHOTOS"],
    }
    words = {
        "online": _("Online"),
        "offline": _("Offline: your work is kept on this phone"),
        "ready": _("Ready to work offline"),
        "waiting": _("Waiting to send"),
        "sent": _("Sent"),
        "refused": _("Not accepted"),
        "signIn": _("Sign in again to send"),
        "noTasks": _("Nothing waits for you."),
        "overdue": _("overdue"),
        "hoursLeft": _("h left"),
        "verify": _("Verify (核查)"),
        "fail": _("Send back (返工)"),
        "start": _("Start work"),
        "handle": _("Report handled"),
        "toVerify": _("to verify"),
        "toHandle": _("to handle"),
        "locating": _("Finding your position…"),
        "located": _("Location set"),
        "noGeo": _("Your position is not available; tap the map."),
        "tapMap": _("Tap the map where the problem is."),
        "needLocation": _("Locate the case first."),
        "needCategory": _("Choose a category."),
        "needReason": _("Say why it goes back."),
        "duplicates": _("Already reported within 50 m:"),
        "noDuplicates": _("No open case of this category nearby."),
        "dupUnknown": _("Offline: nearby cases are checked when it is sent."),
        "queued": _("Saved on the phone; it is sent when there is a network."),
        "caseN": _("Case"),
        "open": _("Open the case"),
        "notFound": _("No case with this number."),
        "away": _("m away"),
        "existing": _("the existing case"),
        "pending": _("waiting to send"),
        "more": _("More categories"),
        "walking": _("Patrol under way"),
        "paused": _("Patrol paused"),
        "idle": _("No patrol under way."),
        "patrol": _("Patrol"),
        "tooShort": _("Nothing was recorded: a patrol needs a track of at least two points."),
        "dueTitle": _("Inspections due"),
        "close": _("Close (结案)"),
        "toClose": _("to close"),
        "dueOn": _("due on"),
        "pass": _("Pass"),
        "failItem": _("Fail"),
        "itemNote": _("What is wrong (optional)"),
        "answerAll": _("Answer every item."),
        "inspection": _("Inspection"),
        "failedOpens": _("Each failed item opens a rectification case (限期整改)."),
        "otherAccount": _("belongs to another account: sent when that account signs in on this phone"),
        "retrying": _("will try again"),
        "logoutPending": _("%(count)s items have not been sent yet and are lost if you sign out now. Sign out?"),
    }
    context = {
        "config": config,
        "words": words,
        "can_see_patrols": policy.holds(request.user, "field.view_patrol"),
        "can_see_inspections": policy.holds(request.user, "inspections.view_inspection"),
    }
    return render(request, "field/workspace.html", context)


@never_cache
@field_staff_required
def data(request):
    """What the phone keeps for offline use: the outlines of the cells the user holds, what waits for them and the
    open cases of their cells."""
    from grids.models import GridCell

    now = timezone.now()
    cells = inbox.my_cells(request.user)
    outlines = [
        {
            "type": "Feature",
            "geometry": json.loads(c.boundary.geojson),
            "properties": {"id": c.pk, "code": c.code, "name": c.name},
        }
        for c in GridCell.objects.filter(pk__in=cells).only("pk", "code", "name", "boundary")
    ]
    tasks = inbox.inbox(request.user, now)
    others = inbox.cell_cases(request.user, cells, exclude=[t["id"] for t in tasks], now=now)
    return JsonResponse(
        {
            "generated": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
            "cells": {"type": "FeatureCollection", "features": outlines},
            "tasks": tasks,
            "cases": others,
            # Other kinds of rows (inspections due …) from the apps that registered a source with field.inbox.
            "due": inbox.source_rows(request.user, now),
            "notes": inbox.notifications(request.user),
        }
    )


@field_staff_required
def search(request):
    """Cases the user reads by case number (or id), as JSON."""
    found = inbox.find_by_number(request.user, request.GET.get("q", ""))
    now = timezone.now()
    return JsonResponse({"cases": [inbox.case_row(c, now) for c in found[:20]]})


def service_worker(request):
    """The service worker, served from /field/ with a scope of the whole site (Service-Worker-Allowed: /) so that it
    also answers /cases/report/. Its code is static (static/field/service-worker.js); this answer names the URLs
    it needs (Workbox modules from npm, the pages it keeps)."""
    config = {
        "modules": {name: staticfiles_storage.url(f"vendor/{name}/{name}.prod.js") for name in WORKBOX_MODULES},
        "pages": [reverse("field:workspace"), reverse("cases:report")],
        "data": [reverse("field:data")],
        "static": settings.STATIC_URL,
        "version": 1,
    }
    body = (
        f"self.FIELD_SW = {json.dumps(config)};\n"
        f"importScripts({json.dumps(staticfiles_storage.url('vendor/workbox-sw/workbox-sw.js'))}, "
        f"{json.dumps(staticfiles_storage.url('field/service-worker.js'))});\n"
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def manifest(request):
    """The web app manifest: installable, opens /field/ standalone."""
    icons = [
        {"src": staticfiles_storage.url(f"field/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
        for n in (192, 512)
    ]
    icons.append(
        {
            "src": staticfiles_storage.url("field/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    body = {
        "name": _("Gridwork field workspace"),
        "short_name": _("Grid tasks"),
        "start_url": reverse("field:workspace"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f5f8b",
        "lang": "zh-Hans",
        "icons": icons,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@login_required
def patrols(request):
    """Patrol tracks per cell and day, with km walked and the coverage of the cell's roads (field.patrols)."""
    from common.params import parse_date
    from field import patrols as service
    from field.models import Patrol
    from grids.models import GridCell

    if not policy.holds(request.user, "field.view_patrol"):
        raise PermissionDenied
    readable = policy.scope(request.user, "view", Patrol.objects.all())
    cells = policy.scope(request.user, "view", GridCell.objects.all())
    day = parse_date(request.GET, "date", required=False) or timezone.localdate()
    cell_id = request.GET.get("cell", "")
    cell = None
    if cell_id:
        if not cell_id.isdigit():
            raise ParamError("cell", _("cell must be the id of a grid cell."))
        cell = cells.filter(pk=int(cell_id)).first()
        if cell is None:
            raise Http404
    # The cells with patrols that day first (what a manager opens the page for), then the rest of their area.
    walked = readable.filter(started_at__date=day)
    choices = list(cells.filter(pk__in=walked.values("cell")).order_by("code").values("pk", "code", "name")[:500])
    if cell is None and choices:
        cell = cells.get(pk=choices[0]["pk"])
    if cell is not None and all(c["pk"] != cell.pk for c in choices):
        choices.insert(0, {"pk": cell.pk, "code": cell.code, "name": cell.name})
    context = {"day": day, "choices": choices, "cell": cell, "figures": None, "rows": [], "config": {}}
    if cell is not None:
        rows = (
            readable.filter(track__intersects=cell.boundary, started_at__date=day)
            .select_related("worker")
            .order_by("started_at")
        )
        context["figures"] = service.day_figures(cell, day, readable)
        context["rows"] = rows
        context["config"] = {
            "cell": json.loads(cell.boundary.geojson),
            "tracks": [
                {
                    "type": "Feature",
                    "geometry": json.loads(p.track.geojson),
                    "properties": {"worker": p.worker.get_full_name() or p.worker.username, "km": p.length_m / 1000},
                }
                for p in rows
            ],
            "tiles": tiles(),
        }
    return render(request, "field/patrols.html", context)
