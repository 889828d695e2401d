"""Open311 GeoReport v2 at /open311/v2/: services, requests (POST with an api_key), request by id.

Field names are the specification's; statuses are `open` and `closed` (rejected and closed cases are closed).
Responses carry no personal data: no reporter, contact or worker names.
"""

import re
from datetime import timedelta
from xml.etree import ElementTree as ET

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.urls import re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import get_usage

from cases import services
from cases.compiled import Compiled
from cases.models import OPEN_STATES, Case, CaseEvent, Category, Open311Client, State
from common.errors import error_items
from common.params import ParamError, check_range, parse_datetime, parse_id, parse_lonlat, raw

MAX_REQUESTS = 1000
DEFAULT_DAYS = 90


def iso(dt):
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


# Characters XML 1.0 cannot hold (C0 controls but tab and line breaks, lone surrogates, U+FFFE/U+FFFF): a text
# stored before such characters were refused would make the whole answer unreadable to an XML parser.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(data, fmt, root, item, status=200):
    if fmt == "xml":
        top = ET.Element(root)
        for row in data:
            el = ET.SubElement(top, item)
            for key, value in row.items():
                child = ET.SubElement(el, key)
                if isinstance(value, bool):
                    child.text = "true" if value else "false"
                elif value is not None:
                    child.text = _NOT_XML.sub("\ufffd", str(value))
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def error(fmt, code, description):
    return render([{"code": code, "description": str(description)}], fmt, "errors", "error", status=code)


def service_row(c):
    return {
        "service_code": c.code,
        "service_name": c.label,
        "description": c.description or f"{c.family.label} · {c.label}",
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join([c.family.label, c.name, c.name_en]),
        "group": c.family.label,
    }


def services_view(request, fmt):
    rows = [service_row(c) for c in Category.objects.filter(active=True).select_related("family").order_by("code")]
    return render(rows, fmt, "services", "service")


def request_row(c):
    status_notes = ""
    if c.state == State.REJECTED:
        reject = CaseEvent.objects.of_case(c).filter(action="reject").order_by("-at").first()
        status_notes = reject.note if reject else ""
    elif c.state != State.CLOSED:
        status_notes = str(State(c.state).label)
    return {
        "service_request_id": str(c.pk),
        "status": "open" if c.state in OPEN_STATES else "closed",
        "status_notes": status_notes,
        "service_name": c.category.label,
        "service_code": c.category.code,
        "description": c.description,
        "agency_responsible": c.department or c.category.department,
        "service_notice": "",
        "requested_datetime": iso(c.created_at),
        "updated_datetime": iso(c.updated_at),
        "expected_datetime": iso(c.deadline_at),
        "address": c.address,
        "address_id": "",
        "zipcode": "",
        "lat": round(c.location.y, 7),
        "long": round(c.location.x, 7),
        "media_url": "",
    }


@csrf_exempt
def requests_view(request, fmt):
    try:
        if request.method == "POST":
            return create_request(request, fmt)
        return list_requests(request, fmt)
    except ParamError as exc:
        return error(fmt, 400, exc.message)


def list_requests(request, fmt):
    """GET: by service_request_id (comma-separated), or by start_date/end_date (w3 dates), service_code, status;
    bad values are ParamErrors (answered as an Open311 error naming the parameter)."""
    p = request.GET
    qs = public_requests()
    wanted = raw(p, "service_request_id")
    if wanted:
        ids = [parse_id({"service_request_id": i}, "service_request_id") for i in wanted.split(",") if i.strip()]
        qs = qs.filter(pk__in=ids)
    else:
        start = parse_datetime(p, "start_date")
        end = parse_datetime(p, "end_date", end_of_day=True)
        check_range(start, end, start_name="start_date", end_name="end_date")
        if start is None and end is None:
            start = timezone.now() - timedelta(days=DEFAULT_DAYS)
        if start:
            qs = qs.filter(created_at__gte=start)
        if end:
            qs = qs.filter(created_at__lte=end)
        codes = raw(p, "service_code")
        if codes:
            qs = qs.filter(category__code__in=[c.strip() for c in codes.split(",")])
        statuses = {s.strip() for s in (raw(p, "status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            return error(fmt, 400, _("status is open, closed or both (comma-separated)."))
        if statuses == {"open"}:
            qs = qs.filter(state__in=OPEN_STATES)
        elif statuses == {"closed"}:
            qs = qs.exclude(state__in=OPEN_STATES)
    rows = [request_row(c) for c in qs.order_by("-created_at")[:MAX_REQUESTS]]
    return render(rows, fmt, "service_requests", "request")


def public_requests():
    """What Open311 shows anyone: problems reported about the city. Requests for help (急事难事) and good deeds are
    about people, so they stay inside the app."""
    return Case.objects.filter(kind=Case.Kind.PROBLEM).select_related("category")


def request_view(request, pk, fmt):
    case = public_requests().filter(pk=pk).first()
    if case is None:
        return error(fmt, 404, _("No service request %(id)s.") % {"id": pk})
    return render([request_row(case)], fmt, "service_requests", "request")


def _client(api_key):
    return Open311Client.objects.filter(api_key=api_key, active=True).values_list("pk", "name")[:1]


# The partner by its key; compiled once per process (cases/compiled.py).
_CLIENT = Compiled(_client, api_key="\x00api_key")
RATE_GROUP = "open311.requests"


def over_rate(request, client_pk):
    """Seconds to wait when the partner has posted more than settings.OPEN311_CLIENT_RATE, else None; counts this
    request (django-ratelimit's counter in the default cache, shared by the processes in production)."""
    rate = settings.OPEN311_CLIENT_RATE
    if not rate:
        return None
    # With the shared cache down the count cannot be kept (common/cache.py) and the post is taken, not refused
    # (settings.RATELIMIT_FAIL_OPEN); the rate's form is checked when the app starts (common/checks.py).
    usage = get_usage(request, group=RATE_GROUP, key=lambda _g, _r: f"client:{client_pk}", rate=rate, increment=True)
    if not usage or usage["time_left"] < 0:  # the count could not be read (django-ratelimit's answer for that)
        return None
    return max(1, int(usage["time_left"])) if usage["should_limit"] else None


def create_request(request, fmt):
    p = request.POST
    # A control character is refused in the key and code by raw() (before any lookup), in the report's text by
    # services.submit (before anything is saved).
    found = _CLIENT.rows(api_key=raw(p, "api_key") or "")
    if not found:
        return error(fmt, 403, _("A valid api_key is required to submit a request."))
    ((client_pk, client_name),) = found
    wait = over_rate(request, client_pk)
    if wait is not None:
        response = error(fmt, 429, _("Too many requests with this api_key; try again in %(s)s seconds.") % {"s": wait})
        response["Retry-After"] = str(wait)
        return response
    code = raw(p, "service_code") or ""
    category = services.active_category(code)
    if category is None:
        return error(fmt, 404, _("Unknown service_code “%(code)s”.") % {"code": code})
    try:
        lon, lat = parse_lonlat(p, "long", "lat")
    except ParamError as exc:
        return error(fmt, 400, f"{exc.message} {_('lat and long are required (WGS 84 decimal degrees).')}")
    name = " ".join(x for x in (p.get("first_name", ""), p.get("last_name", "")) if x).strip()
    try:
        case = services.submit(
            services.Report(
                kind=Case.Kind.PROBLEM,
                category=category,
                description=p.get("description", ""),
                location=Point(lon, lat, srid=4326),
                contact_name=name[:50] or client_name[:50],
                contact_phone=p.get("phone", ""),
                address=p.get("address_string", "")[:200],
                photos=request.FILES.getlist("media"),
                source=f"open311:{client_name}"[:40],
            )
        )
    except ValidationError as exc:
        msgs = []
        for field, errs in error_items(exc, non_field=""):
            field = {
                "location": "lat/long",
                "contact_phone": "phone",
                "contact_name": "first_name/last_name",
                "address": "address_string",
            }.get(field, field)
            msgs += [f"{field}: {e}" if field and field != "__all__" else e for e in errs]
        return error(fmt, 400, " ".join(msgs))
    return render(
        [{"service_request_id": str(case.pk), "service_notice": "", "account_id": None}],
        fmt,
        "service_requests",
        "request",
        status=201,
    )


urlpatterns = [
    re_path(r"^services\.(?P<fmt>json|xml)$", services_view, name="open311-services"),
    re_path(r"^requests\.(?P<fmt>json|xml)$", requests_view, name="open311-requests"),
    re_path(r"^requests/(?P<pk>[0-9]+)\.(?P<fmt>json|xml)$", request_view, name="open311-request"),
]
