"""Case intake, duplicate search and the on-time closure figures."""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, SnapToGrid, Transform
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, FloatField, Func, Q, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.compiled import Compiled
from cases.models import CLOCK_STATES, Case, CaseEvent, Category, State

DUPLICATE_RADIUS_M = 50
# An exact duplicate: the same reporter, the same category, within this distance and time of their last report.
EXACT_DUPLICATE_RADIUS_M = 20
EXACT_DUPLICATE_MINUTES = 10


class DuplicateReport(ValidationError):
    """The reporter sent the same report a moment ago: `case` is the one that exists."""

    def __init__(self, case):
        self.case = case
        super().__init__(
            {
                "category": _("You reported %(category)s here %(minutes)s minutes ago or less: that is case %(id)s.")
                % {"category": case.category, "minutes": EXACT_DUPLICATE_MINUTES, "id": case.pk}
            },
            code="duplicate",
        )


@dataclass
class Report:
    kind: str
    category: object
    description: str
    location: object
    reporter: object = None
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    asset: object = None
    photos: tuple = ()
    source: str = "web"
    household: object = None  # for a good deed: the household the points go to
    client_id: object = None  # the id the reporter's phone gave the report (a retry answers the same case)


def _active_category(code):
    return Category.objects.filter(code=code, active=True).select_related("family").order_by("code")[:1]


_ACTIVE_CATEGORY = Compiled(_active_category, code="\x00code")


def active_category(code):
    """The active category of `code` (its family loaded), or None. Read on every report, not kept per process: a
    category added, deactivated or deleted in another worker process holds at once (one indexed lookup, its SQL
    compiled once per process: cases/compiled.py)."""
    found = _ACTIVE_CATEGORY.instances(code=str(code or "").strip())
    return found[0] if found else None


def category_by_code(code):
    category = active_category(code)
    if category is None:
        raise ValidationError({"category": _("Unknown category “%(code)s”.") % {"code": code}}, code="category")
    return category


# The free text of a report. A line break or a tab may be part of it; any other control character (C0, DEL, C1) is
# never typed by a person, breaks the pages and exports that show the text, and NUL cannot be stored at all.
TEXT_FIELDS = ("description", "address", "contact_name", "contact_phone")
# The bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused too: they turn the
# text around on the pages and in the exports that show it (a spoofed address or name).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def control_character_errors(obj, names):
    """{field: [message]} for each of `names` whose text holds a control character other than a line break or tab."""
    return {
        name: [_("This text holds control characters.")]
        for name in names
        if isinstance(getattr(obj, name), str) and _CONTROL.search(getattr(obj, name))
    }


def submit(report):
    """Create a case from a report: photos checked from their headers first, then one transaction
    (case, its first step, its photos pending for the worker's re-encoding: cases/photos.py) so that a refusal
    leaves nothing behind."""
    from cases.intake import insert_with_first_step
    from cases.photos import check_photos, keep_for_processing

    case = Case(
        kind=report.kind,
        category=report.category,
        description=(report.description or "").strip(),
        location=report.location,
        reporter=report.reporter if report.reporter and report.reporter.is_authenticated else None,
        contact_name=(report.contact_name or "").strip(),
        contact_phone=(report.contact_phone or "").strip(),
        address=(report.address or "").strip(),
        asset=report.asset,
        source=report.source,
        household=report.household,
        client_id=report.client_id,
    )
    errors = control_character_errors(case, TEXT_FIELDS)
    # Records handed over as loaded objects need no query each to prove they exist.
    loaded = [name for name in ("category", "asset", "household", "reporter") if getattr(case, f"{name}_id")]
    try:
        case.full_clean(exclude=["community", "cell", "grid_worker", "token", *loaded, *errors])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        images = check_photos(report.photos)
    except ValidationError as exc:
        errors["photos"] = exc.messages
    if errors:
        raise ValidationError(errors)
    same = exact_duplicate(case)
    if same is not None:
        raise DuplicateReport(same)
    case.grid_worker_id = case.placed_worker_id  # found with the cell (Case.place)
    with transaction.atomic():
        # The case and its first step in one statement, their audit entries in one more (cases/intake.py).
        event = insert_with_first_step(case, CaseEvent(action="report", to_state=State.REPORTED, actor=case.reporter))
        keep_for_processing(case, event, images)
    return case


def exact_duplicate(case, now=None):
    """The signed-in reporter's own case of the same category within 20 m made in the last 10 minutes, if any."""
    if not case.reporter_id:
        return None
    since = (now or timezone.now()) - timedelta(minutes=EXACT_DUPLICATE_MINUTES)
    return (
        Case.objects.filter(reporter_id=case.reporter_id, category_id=case.category_id, created_at__gte=since)
        .near(case.location, EXACT_DUPLICATE_RADIUS_M)
        .select_related("category")
        .order_by("-created_at")
        .first()
    )


def submit_once(report):
    """`submit` for a report carrying a client id: the same id answers the case it made (created is False), also
    when two copies arrive at once. Returns (case, created). An id already used by someone else is refused."""
    if report.client_id is None:
        return submit(report), True
    existing = replayed(report)
    if existing is not None:
        return existing, False
    try:
        return submit(report), True
    except IntegrityError:
        existing = replayed(report)
        if existing is None:
            raise
        return existing, False


def replayed(report):
    case = Case.objects.filter(client_id=report.client_id).select_related("category").first()
    if case is None:
        return None
    # The reporter's own id answers their case. A signed-out report's id answers only a signed-out sender sending the
    # same report again (the phone's retry carries the same category, description and contact phone): the id alone
    # is not a key to the case's tracking address.
    reporter_id = report.reporter.pk if report.reporter and report.reporter.is_authenticated else None
    same = case.reporter_id == reporter_id
    if same and reporter_id is None:
        category_id = getattr(report.category, "pk", None)
        same = (
            case.category_id == category_id
            and case.description == (report.description or "").strip()
            and case.contact_phone == (report.contact_phone or "").strip()
        )
    if not same:
        raise ValidationError({"client_id": _("This report id is already in use.")}, code="client_id")
    return case


def add_to(case, user, note, photos=()):
    """Someone reports an open case again instead of duplicating it: a note (and photos) on the case."""
    from cases.photos import check_photos, keep_for_processing

    note = (note or "").strip()
    if len(note) > 1000:
        raise ValidationError({"description": _("At most 1000 characters.")})
    images = check_photos(photos)
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if not case.is_open:
            raise ValidationError(_("This case is already %(state)s.") % {"state": State(case.state).label})
        Case.objects.filter(pk=case.pk).update(reports=F("reports") + 1)
        event = CaseEvent.objects.create(
            case=case,
            action="add",
            from_state=case.state,
            to_state=case.state,
            actor=user if user and user.is_authenticated else None,
            note=note,
        )
        keep_for_processing(case, event, images)
    return case


def possible_duplicates(point, category, radius_m=DUPLICATE_RADIUS_M, limit=10):
    """Open cases of the same category within radius_m metres (indexed ST_DWithin on the geography)."""
    return (
        Case.objects.open()
        .filter(category=category)
        .near(point, radius_m)
        .select_related("category")
        .order_by("-created_at")[:limit]
    )


# --- figures -----------------------------------------------------------------------------------------------
# The on-time closure rate (按期结案率), one definition for the statistics page and the dashboard: of the cases with a
# deadline, those due (closed, or on the clock past their deadline), and of those the ones closed by their deadline.
def due_q(now):
    return Q(deadline_at__isnull=False) & (Q(state=State.CLOSED) | Q(state__in=CLOCK_STATES, deadline_at__lt=now))


ON_TIME_Q = Q(state=State.CLOSED, deadline_at__isnull=False, closed_at__lte=F("deadline_at"))


def overdue_q(now):
    return Q(state__in=CLOCK_STATES, deadline_at__lt=now)


def on_time_rate(on_time, due):
    """The rate in per cent with one decimal, None when nothing is due yet."""
    return round(100.0 * on_time / due, 1) if due else None


def on_time_rates(group_by, queryset=None, now=None):
    """按期结案率 per group (cell code, grid worker, department), in one SQL query.

    Due cases are those closed, or on the clock past their deadline; on-time ones were closed by their deadline.
    rate = on time / due (None when nothing is due yet).
    """
    now = now or timezone.now()
    qs = (queryset if queryset is not None else Case.objects.all()).filter(deadline_at__isnull=False)
    keys = {
        "grid": ("cell__code",),
        "worker": ("grid_worker__username", "grid_worker__first_name"),
        "department": ("department",),
    }[group_by]
    return (
        qs.values(*keys)
        .annotate(
            due=Count("id", filter=due_q(now)),
            on_time=Count("id", filter=ON_TIME_Q),
            overdue=Count("id", filter=overdue_q(now)),
            total=Count("id"),
        )
        .annotate(
            rate=Cast(F("on_time"), FloatField()) * Value(100.0) / NullIf(Cast(F("due"), FloatField()), Value(0.0))
        )
        .annotate(sort_rate=Coalesce("rate", Value(-1.0)))
        .order_by("-sort_rate", *keys)
    )


class _HeatSquare(Func):
    """The square of side 2 × half around a point (ST_Envelope of a one-segment-per-quadrant buffer)."""

    template = "ST_Envelope(ST_Buffer(%(expressions)s, 'quad_segs=1'))"


def heat_squares(queryset, srid, size):
    """Case density for the heat view: [(square as GeoJSON in EPSG:4326, number of cases)], one grouped query on
    squares of `size` metres (locations snapped to a grid on the metric `srid`)."""
    snapped = SnapToGrid(Transform("location", srid), size)
    square = _HeatSquare(snapped, Value(size / 2), output_field=GeometryField(srid=srid))
    return list(
        queryset.order_by()
        .annotate(snapped=snapped)
        .values("snapped")
        .annotate(n=Count("id"), cell=AsGeoJSON(Transform(square, 4326), precision=6))
        .values_list("cell", "n")
    )
