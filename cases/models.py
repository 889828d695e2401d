"""Cases (事件): a problem, request for help or good deed at a place, carried from report to closure."""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.compiled import Compiled
from common.geometry import validate_geometry
from common.masking import Masked, mask_name, mask_phone
from common.models import CodeManager, Localised, TimeStampedModel  # Localised: named by migrations
from common.validators import validate_phone
from grids.models import Placed


def limits():
    return settings.CASES


class CategoryFamily(Localised, models.Model):
    """An event family (市容环境, 宣传广告, 施工管理, 街面秩序, 突发事件, 其他)."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)

    objects = CodeManager()

    class Meta:
        verbose_name = _("category family")
        verbose_name_plural = _("category families")
        ordering = ["code"]

    def natural_key(self):
        return (self.code,)


class Category(Localised, models.Model):
    """A concrete category people report (暴露垃圾, 井盖缺损 …): its deadline and the department that handles it."""

    family = models.ForeignKey(
        CategoryFamily, on_delete=models.PROTECT, related_name="categories", verbose_name=_("family")
    )
    code = models.CharField(_("service code"), max_length=4, unique=True, help_text=_("Family code + 2 digits."))
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    deadline_hours = models.PositiveIntegerField(_("deadline (hours)"), validators=[MinValueValidator(1)])
    department = models.CharField(pgettext_lazy("case category", "responsible department"), max_length=100)
    department_party = models.ForeignKey(
        "responsibility.Party",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        limit_choices_to={"kind": "department"},
        related_name="case_categories",
        verbose_name=_("department (party)"),
    )
    # Responsibility-area kinds whose party is asked first for this category (门前三包 for frontage litter …).
    area_kinds = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("area kinds"))
    component = models.BooleanField(_("component case"), default=False, help_text=_("Links to an asset."))
    auto_close = models.BooleanField(
        _("close once verified"),
        default=False,
        help_text=_(
            "A case of this category is closed as soon as it is verified on site; otherwise a dispatcher closes it."
        ),
    )
    active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)

    objects = CodeManager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def natural_key(self):
        return (self.code,)

    def clean(self):
        super().clean()
        if self.code and not (len(self.code) == 4 and self.code.isdigit()):
            raise ValidationError({"code": gettext("A service code has 4 digits.")})
        if self.department_party_id and self.department_party.kind != "department":
            raise ValidationError({"department_party": gettext("Choose a party of kind department.")})

    def department_party_or_new(self):
        """The responsibility party of the category's department (created by name when there is none yet)."""
        if self.department_party_id:
            return self.department_party
        from responsibility.models import Party

        party = Party.objects.filter(kind=Party.Kind.DEPARTMENT, name=self.department).order_by("id").first()
        return party or Party.objects.create(kind=Party.Kind.DEPARTMENT, name=self.department)


class State(models.TextChoices):
    REPORTED = "reported", _("reported")
    REGISTERED = "registered", _("registered")
    REJECTED = "rejected", pgettext_lazy("case state", "rejected")
    DISPATCHED = "dispatched", _("dispatched")
    IN_PROGRESS = "in_progress", _("in progress")
    HANDLED = "handled", _("handled")
    VERIFIED = "verified", _("verified")
    CLOSED = "closed", _("closed")
    REOPENED = "reopened", _("reopened")


OPEN_STATES = [
    State.REPORTED,
    State.REGISTERED,
    State.DISPATCHED,
    State.IN_PROGRESS,
    State.HANDLED,
    State.VERIFIED,
    State.REOPENED,
]
CLOCK_STATES = [State.DISPATCHED, State.IN_PROGRESS, State.HANDLED, State.VERIFIED]


def new_token():
    return secrets.token_urlsafe(12)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now=None):
        """Cases on the clock (dispatched, not yet closed) whose deadline has passed."""
        now = now or timezone.now()
        return self.filter(state__in=CLOCK_STATES, deadline_at__lt=now)

    def near(self, point, metres):
        """Cases within `metres` of point, on the geography (metres) with its GiST index."""
        from django.contrib.gis.db.models import PointField
        from django.db.models import BooleanField, Func, Value

        geog = PointField(geography=True, srid=4326)
        return self.filter(
            Func(
                Cast("location", geog),
                Cast(Value(point.ewkt), geog),
                Value(float(metres)),
                function="ST_DWithin",
                output_field=BooleanField(),
            )
        )


class Case(Masked, Placed, TimeStampedModel):
    class Kind(models.TextChoices):
        PROBLEM = "problem", _("a problem (大事小事我来提)")
        HELP = "help", _("a request for help (急事难事我来帮)")
        GOOD_DEED = "good_deed", _("a good deed (好人好事我来讲)")

    class HandlerKind(models.TextChoices):
        DEPARTMENT = "department", _("department")
        WORKER = "worker", _("grid worker")
        PARTY = "party", _("responsible party")

    PERSONAL_FIELDS = {"contact_name": mask_name, "contact_phone": mask_phone}
    AUDIT_EXCLUDE_FIELDS = ("client_id",)  # sent again by the phone that made the report, it answers the case

    kind = models.CharField(_("kind of report"), max_length=10, choices=Kind.choices, default=Kind.PROBLEM)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category"))
    description = models.TextField(_("description"), validators=[MaxLengthValidator(1000)])
    address = models.CharField(_("address or landmark"), max_length=200, blank=True)
    location = models.PointField(_("location"), srid=4326)
    asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("asset"),
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REPORTED, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    token = models.CharField(_("tracking token"), max_length=24, unique=True, default=new_token, editable=False)
    # Reporter: a signed-in user, or anonymous with a contact (personal data: masked, never public).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("reporter"),
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True, validators=[validate_phone])
    household = models.ForeignKey(
        "grids.Household",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("household credited"),
        help_text=_("For a good deed: the household that earns the points."),
    )
    source = models.CharField(_("source"), max_length=40, default="web", editable=False)
    # Where: community and cell (grids.models.Placed) from the location on intake.
    grid_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="cell_cases",
        verbose_name=_("grid worker"),
    )
    # Who handles it (set on dispatch).
    handler_kind = models.CharField(_("handler kind"), max_length=12, choices=HandlerKind.choices, blank=True)
    handler_party = models.ForeignKey(
        "responsibility.Party",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("handling party"),
    )
    handler_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_cases",
        verbose_name=_("handling person"),
    )
    department = models.CharField(_("department"), max_length=100, blank=True, editable=False)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True, editable=False)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True, editable=False, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    reports = models.PositiveIntegerField(_("reports"), default=1, editable=False)
    # The id a phone gave the report when it was made (offline, queued): sending it again answers the same case.
    client_id = models.UUIDField(_("client id"), unique=True, null=True, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()
    outside_message = _(
        "This location (%(x).6f, %(y).6f) is outside every community of the district; "
        "cases can only be reported inside it."
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        permissions = [
            ("dispatch_case", _("Can register, reject, dispatch, close and reopen cases")),
            ("verify_case", _("Can verify handled cases on site")),
        ]
        indexes = [
            # Metric proximity (duplicates within 50 m): ST_DWithin on the geography uses this index.
            GistIndex(Cast("location", models.PointField(geography=True, srid=4326)), name="case_location_geog"),
            models.Index(fields=["category", "state"]),
            models.Index(fields=["created_at"]),
            # Cases on the clock by deadline (the overdue lists, the dashboard's longest overdue): the walk in
            # deadline order skips closed and unclocked cases, and checks the period on created_at in the index.
            models.Index(
                fields=["deadline_at", "created_at"],
                name="case_clock_deadline",
                condition=models.Q(state__in=CLOCK_STATES),
            ),
        ]

    def __str__(self):
        return gettext("Case %(id)s · %(category)s") % {"id": self.pk, "category": self.category}

    @property
    def number(self):
        """The long case number: report date (local) and the id in six digits, e.g. 20261130001234."""
        return f"{timezone.localtime(self.created_at):%Y%m%d}{self.pk:06d}" if self.pk and self.created_at else ""

    @property
    def verified(self):
        """True once a grid worker has verified the outcome on site (used by the points ledger for good deeds)."""
        return self.state in (State.VERIFIED, State.CLOSED)

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    def time_left(self, now=None):
        """Time until the deadline (negative when overdue); None when the clock is not running."""
        if self.state not in CLOCK_STATES or not self.deadline_at:
            return None
        return self.deadline_at - (now or timezone.now())

    def is_overdue(self, now=None):
        left = self.time_left(now)
        return left is not None and left < timedelta(0)

    def closed_on_time(self):
        return self.state == State.CLOSED and self.deadline_at is not None and self.closed_at <= self.deadline_at

    @property
    def handler_label(self):
        if self.handler_user_id:
            return self.handler_user.get_full_name() or self.handler_user.username
        if self.handler_party_id:
            return self.handler_party.label
        return ""

    # --- rules -------------------------------------------------------------------------
    def clean(self):
        super().clean()
        errors = {}
        if self.location is None:
            raise ValidationError({"location": gettext("Locate the case: use your position or tap the map.")})
        validate_geometry(self.location, kinds=("Point",), label=gettext("Location"))
        if self.category_id and not self.category.active:
            errors["category"] = gettext("The category %(c)s is no longer in use.") % {"c": self.category}
        if self.asset_id and self.category_id and not self.category.component:
            errors["asset"] = gettext("Only component categories link to an asset.")
        if not self.reporter_id and not self.pk and not (self.contact_name or self.contact_phone):
            errors["contact_phone"] = gettext("Leave a contact (name or phone) so we can reach you, or sign in.")
        if errors:
            raise ValidationError(errors)
        self.place()

    def place(self):
        """Community, grid cell and the cell's primary grid worker (`placed_worker_id`) from the point, in one query
        that reads no cell outline (compiled once per process: cases/compiled.py); a point in no cell is placed in
        its community (Placed.place)."""
        rows = _CELL_AND_WORKER.rows(point=self.location, day=timezone.localdate())
        row = rows[0] if rows else None
        if row is None:
            self.placed_worker_id = None
            super().place()
            return
        self.cell_id, self.community_id, self.placed_worker_id = row


def _cell_and_worker(point, day):
    """The cell covering `point` (the lowest id on a shared edge), its community and its primary worker on `day`."""
    from grids.models import GridAssignment, GridCell

    primary = (
        GridAssignment.objects.active_on(day).filter(cell=models.OuterRef("pk")).primary_first().values("worker_id")[:1]
    )
    return (
        GridCell.objects.filter(boundary__covers=point)
        .order_by("id")
        .annotate(primary=models.Subquery(primary))
        .values_list("id", "community_id", "primary")[:1]
    )


_CELL_AND_WORKER = Compiled(_cell_and_worker, point=Point(-179.5, -89.5, srid=4326), day=date(1900, 1, 2))


class CaseEventQuerySet(models.QuerySet):
    def of_case(self, case):
        """The steps of `case`; none is older than the case, which lets PostgreSQL skip the earlier months."""
        return self.filter(case=case, at__gte=case.created_at)


class CaseEvent(models.Model):
    """One step of a case: who did what when, with a note and photos.

    The table is partitioned by month of `at` (cases/partitions.py, migration 0005): its database key is (id, at),
    so the phone's step id is indexed rather than unique (cases.workflow locks on it) and nothing holds a database
    foreign key to a step. Read a case's steps with `CaseEvent.objects.of_case(case)`, which names the months.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(
        pgettext_lazy("state change", "from"), max_length=12, choices=State.choices, blank=True
    )
    to_state = models.CharField(pgettext_lazy("state change", "to"), max_length=12, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    note = models.TextField(_("note"), blank=True, validators=[MaxLengthValidator(1000)])
    handler = models.CharField(_("handler"), max_length=120, blank=True)
    # The id a phone gave the step (a verification made offline): sending it again takes no second step.
    client_id = models.UUIDField(_("client id"), null=True, blank=True, editable=False)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["client_id"], name="caseevent_client_id", condition=models.Q(client_id__isnull=False))
        ]

    def __str__(self):
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self):
        from cases.workflow import action_label

        return action_label(self.action)


def photo_path(instance, filename):
    return f"cases/{timezone.now():%Y/%m}/{secrets.token_hex(8)}.jpg"


class ProcessedPhoto(models.Model):
    """A photo re-encoded by the worker without EXIF metadata (cases/photos.py): checked from its header in the
    request and kept raw in its model's upload table (pending, `upload`: a one-to-one row of its bytes), then
    re-encoded into `image` (ready) or found undecodable (failed). A photo whose re-encoding crashed or was killed
    `cases.photos.ATTEMPTS` times (`attempts` counts the starts) is failed too. Only ready photos are shown or served.

    Case photos, and the photos of a need, a mediation agreement, an inspection and a household assessment."""

    class Status(models.TextChoices):
        PENDING = "pending", _("being processed")
        READY = "ready", _("ready")
        FAILED = "failed", _("could not be read")

    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.READY)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def is_ready(self):
        return self.status == self.Status.READY

    @property
    def is_failed(self):
        return self.status == self.Status.FAILED


class CasePhoto(ProcessedPhoto):
    """A photo of the report or of a step (after-photos of handling …), re-encoded without EXIF metadata.

    A photo sent with a report or a step is checked from its header in the request and kept raw in PhotoUpload
    (pending); the worker re-encodes it into `image` (ready) or finds it cannot be decoded (failed). Only ready
    photos are shown or served (cases/photos.py)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos", verbose_name=_("case"))
    # No database constraint: a partitioned table's rows are unique by (id, at) only (see CaseEvent).
    event = models.ForeignKey(
        CaseEvent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("step"),
        db_constraint=False,
    )
    image = models.ImageField(_("photo"), upload_to=photo_path, width_field="width", height_field="height", blank=True)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)

    class Meta:
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")
        ordering = ["id"]
        indexes = [
            # The worker's sweep of photos whose queued message was lost (cases.tasks.process_pending_photos).
            models.Index(fields=["created_at"], name="casephoto_pending", condition=models.Q(status="pending"))
        ]


class PhotoBytes(models.Model):
    """The bytes of a photo as it was sent (EXIF, GPS position and all), until the worker has re-encoded it; a
    concrete table adds `photo`, a one-to-one key to its ProcessedPhoto (primary key, related name `upload`).

    Kept in the database, not in media storage: no URL reaches it, it is written in the transaction of its report
    (a report rolled back leaves nothing behind), and every web and worker node reads it without a shared folder.
    The row is deleted as soon as the photo is ready or has failed. The bytes stay out of the audit trail."""

    data = models.BinaryField()

    AUDITED = False  # no table of raw bytes is in the audit trail (accounts/audit.py)

    class Meta:
        abstract = True


class PhotoUpload(PhotoBytes):
    """The raw bytes of a case photo (PhotoBytes), out of the audit trail as every PhotoBytes table."""

    photo = models.OneToOneField(CasePhoto, on_delete=models.CASCADE, primary_key=True, related_name="upload")

    class Meta:
        verbose_name = _("photo being processed")
        verbose_name_plural = _("photos being processed")


class Notification(models.Model):
    """In-app notification: a handler on dispatch, a reporter on each state change."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="case_notifications",
        verbose_name=pgettext_lazy("message recipient", "to"),
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("case"))
    message = models.CharField(_("message"), max_length=200)
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.message


class Open311Client(models.Model):
    """A partner system allowed to post requests through Open311 with its api_key."""

    name = models.CharField(_("name"), max_length=100)
    api_key = models.CharField(_("API key"), max_length=64, unique=True, default=new_token)
    active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self):
        return self.name
