"""Query parameters read one way everywhere: bounding boxes, dates, numbers, choices and ids.

    bbox = parse_bbox(request.GET)                        # None when absent
    day = parse_date(request.GET, "on")                   # a real calendar date, 1900..2100
    start, end = parse_date_range(request.GET)            # start ≤ end, at most MAX_RANGE_DAYS apart
    radius = parse_float(request.GET, "radius", default=200, min=10, max=5000)

Every parser raises ParamError(field, message) for a value it cannot accept: NaN, infinities, numbers out of
range, impossible dates (2026-02-30), reversed boxes, overlong or control-character strings. DRF views answer it
as 400 {"field": ["message"]} (common.api.exception_handler); page views as a 400 page with the message
(ParamErrorMiddleware). The message names the parameter and the form expected.
"""

import math
import re
from datetime import date, datetime, time

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

MIN_YEAR = 1900
MAX_YEAR = 2100
# A period asked for (dashboards, exports): long enough for any report, short enough to stay a bounded query.
MAX_RANGE_DAYS = 366 * 20
# Longest raw value looked at: anything longer is refused before being parsed.
MAX_LENGTH = 200
MAX_ID = 2**63 - 1

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT = re.compile(r"[+-]?[0-9]{1,19}")
_MISSING = object()


class ParamError(Exception):
    """A query parameter that cannot be used; `message` is meant for the user and names the parameter."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = str(message)

    def as_dict(self):
        return {self.field: [self.message]}


def shown(value, limit=40):
    """The value as it may appear in a message: printable and short."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def raw(params, name, *, required=False):
    """The stripped text of a parameter, or None when absent or empty; refuses null bytes and overlong values."""
    value = params.get(name) if params is not None else None
    if value is None:
        value = ""
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if not value:
        if required:
            raise ParamError(name, _("%(name)s is required.") % {"name": name})
        return None
    if len(value) > MAX_LENGTH:
        raise ParamError(
            name, _("%(name)s is too long (at most %(limit)s characters).") % {"name": name, "limit": MAX_LENGTH}
        )
    if any(not c.isprintable() for c in value):
        raise ParamError(name, _("%(name)s holds control characters.") % {"name": name})
    return value


def _finite(text, name, expected):
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise ParamError(name, _("%(name)s must be %(expected)s (got “%(value)s”).") % _args(name, expected, text))
    return value


def _args(name, expected, value):
    return {"name": name, "expected": expected, "value": shown(value)}


def _in_range(value, name, lo, hi):
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if lo is not None and hi is not None:
            msg = _("%(name)s must be between %(min)s and %(max)s (got %(value)s).")
        elif lo is not None:
            msg = _("%(name)s must be at least %(min)s (got %(value)s).")
        else:
            msg = _("%(name)s must be at most %(max)s (got %(value)s).")
        raise ParamError(name, msg % {"name": name, "min": lo, "max": hi, "value": shown(value)})
    return value


def parse_float(params, name, *, default=None, min=None, max=None, required=False):
    """A finite number within [min, max]."""
    text = raw(params, name, required=required)
    if text is None:
        return default
    return _in_range(_finite(text, name, _("a number")), name, min, max)


def parse_int(params, name, *, default=None, min=None, max=None, required=False):
    """A whole number (ASCII digits, optional sign) within [min, max]."""
    text = raw(params, name, required=required)
    if text is None:
        return default
    if not _INT.fullmatch(text):
        raise ParamError(
            name, _("%(name)s must be %(expected)s (got “%(value)s”).") % _args(name, _("a whole number"), text)
        )
    return _in_range(int(text), name, min, max)


def parse_id(params, name, *, default=None, required=False):
    """A record id: a positive whole number."""
    text = raw(params, name, required=required)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= MAX_ID):
        raise ParamError(
            name, _("%(name)s must be %(expected)s (got “%(value)s”).") % _args(name, _("a record id (1, 2, …)"), text)
        )
    return int(text)


def parse_choice(params, name, choices, *, default=None, required=False):
    """One of `choices` (an iterable of values, or of (value, label) pairs)."""
    values = [c[0] if isinstance(c, (tuple, list)) else c for c in choices]
    text = raw(params, name, required=required)
    if text is None:
        return default
    if text not in [str(v) for v in values]:
        raise ParamError(
            name,
            _("%(name)s must be one of %(choices)s (got “%(value)s”).")
            % {"name": name, "choices": ", ".join(str(v) for v in values), "value": shown(text)},
        )
    return values[[str(v) for v in values].index(text)]


def parse_bool(params, name, *, default=False):
    text = raw(params, name)
    if text is None:
        return default
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ParamError(
        name, _("%(name)s must be %(expected)s (got “%(value)s”).") % _args(name, _("true or false (1 or 0)"), text)
    )


def parse_bbox(params, name="bbox", *, required=False):
    """min_lon,min_lat,max_lon,max_lat in degrees (EPSG:4326): (min_lon, min_lat, max_lon, max_lat) or None."""
    text = raw(params, name, required=required)
    if text is None:
        return None
    parts = text.split(",")
    form = _("four numbers min_lon,min_lat,max_lon,max_lat")
    if len(parts) != 4:
        raise ParamError(name, _("%(name)s must be %(expected)s (got “%(value)s”).") % _args(name, form, text))
    values = []
    for part in parts:
        try:
            v = float(part)
        except ValueError:
            v = math.nan
        if not math.isfinite(v):
            raise ParamError(
                name, _("%(name)s must be %(expected)s (got “%(value)s”).") % _args(name, _("finite numbers"), text)
            )
        values.append(v)
    x0, y0, x1, y1 = values
    if not all(-180 <= x <= 180 for x in (x0, x1)):
        raise ParamError(name, _("%(name)s: longitudes must be between -180 and 180.") % {"name": name})
    if not all(-90 <= y <= 90 for y in (y0, y1)):
        raise ParamError(name, _("%(name)s: latitudes must be between -90 and 90.") % {"name": name})
    if x0 >= x1 or y0 >= y1:
        raise ParamError(
            name,
            _(
                "%(name)s is reversed or empty: min_lon must be below max_lon and min_lat below max_lat "
                "(min_lon,min_lat,max_lon,max_lat)."
            )
            % {"name": name},
        )
    return x0, y0, x1, y1


def parse_lonlat(params, lon="lon", lat="lat", *, required=True):
    """A WGS 84 position from two parameters: (lon, lat) or None when both are absent and not required."""
    x = parse_float(params, lon, min=-180, max=180, required=required)
    y = parse_float(params, lat, min=-90, max=90, required=required)
    if x is None and y is None:
        return None
    if x is None or y is None:
        missing = lon if x is None else lat
        raise ParamError(missing, _("%(name)s is required.") % {"name": missing})
    return x, y


def check_date(day, name):
    """A date already parsed elsewhere (a filter's DateField) held to the same year range."""
    return _check_year(name, day, day.isoformat()) if day is not None else None


def _check_year(name, day, text):
    if not (MIN_YEAR <= day.year <= MAX_YEAR):
        raise ParamError(
            name,
            _("%(name)s must be a date between %(min)s and %(max)s (got “%(value)s”).")
            % {"name": name, "min": MIN_YEAR, "max": MAX_YEAR, "value": shown(text)},
        )
    return day


def date_value(text, name):
    """A YYYY-MM-DD string as a date (a real calendar day within MIN_YEAR..MAX_YEAR)."""
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise ParamError(
            name, _("%(name)s must be %(expected)s (got “%(value)s”).") % _args(name, _("a date as YYYY-MM-DD"), text)
        )
    return _check_year(name, day, text)


def parse_date(params, name, *, default=None, required=False):
    text = raw(params, name, required=required)
    if text is None:
        return default
    return date_value(text, name)


def parse_datetime(params, name, *, default=None, required=False, end_of_day=False):
    """An ISO 8601 date-time (2026-03-01T08:00:00+08:00) or a date (its start, or its end with end_of_day);
    a time without zone is read in the site's zone."""
    text = raw(params, name, required=required)
    if text is None:
        return default
    if _DATE.fullmatch(text):
        day = date_value(text, name)
        moment = datetime.combine(day, time.max if end_of_day else time.min)
    else:
        try:
            # A "+08:00" written unencoded in a query string arrives as " 08:00".
            iso = re.sub(r" ([0-9]{2}(:?[0-9]{2})?)$", r"+\1", text.replace("Z", "+00:00"))
            moment = datetime.fromisoformat(iso)
        except ValueError:
            raise ParamError(
                name,
                _("%(name)s must be %(expected)s (got “%(value)s”).")
                % _args(name, _("a date-time as YYYY-MM-DDTHH:MM:SS+08:00 or a date as YYYY-MM-DD"), text),
            )
        _check_year(name, moment, text)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def check_range(start, end, *, start_name="start", end_name="end", max_days=MAX_RANGE_DAYS):
    """start ≤ end and at most max_days apart (either may be None)."""
    if start is not None and end is not None:
        if start > end:
            raise ParamError(
                start_name,
                _("%(start)s must not be after %(end)s (got %(a)s and %(b)s).")
                % {"start": start_name, "end": end_name, "a": start, "b": end},
            )
        span = end - start
        days = span.days if hasattr(span, "days") else span
        if max_days is not None and days > max_days:
            raise ParamError(
                end_name,
                _("The period from %(start)s to %(end)s is longer than %(max)s days.")
                % {"start": start_name, "end": end_name, "max": max_days},
            )
    return start, end


def parse_date_range(params, start="start", end="end", *, max_days=MAX_RANGE_DAYS):
    """Two optional dates: (start or None, end or None), start ≤ end, at most max_days apart."""
    return check_range(
        parse_date(params, start), parse_date(params, end), start_name=start, end_name=end, max_days=max_days
    )


# --- answering -------------------------------------------------------------------------------------------------
def wants_json(request):
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or ("json" in accept and "html" not in accept)


def error_response(request, exc):
    """A 400 for a ParamError: JSON {"field": ["message"]} for API and JSON clients, a page otherwise."""
    if wants_json(request):
        return JsonResponse(exc.as_dict(), status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "common/bad_request.html", {"field": exc.field, "message": exc.message}, status=400)


class ParamErrorMiddleware:
    """Turns a ParamError raised by any page view into a 400 answer with its message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A null byte is never a value a client means, and PostgreSQL cannot compare text with one: refused for
        # every view at once, before any of them reads the parameter.
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                return error_response(
                    request, ParamError(shown(name), _("%(name)s holds control characters.") % {"name": shown(name)})
                )
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ParamError):
            return error_response(request, exception)
        return None


def json_param_errors(view):
    """For views that answer JSON outside /api/: a ParamError becomes 400 {"field": ["message"]}."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ParamError as exc:
            return JsonResponse(exc.as_dict(), status=400, json_dumps_params={"ensure_ascii": False})

    return wrapper
