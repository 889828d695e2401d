"""Co-creation (共同缔造) instruments: co-planning lists and deliberation meetings (共谋), contributions (共建),
clean-up campaigns (集中整治), mediation of disputes (矛盾纠纷调解) and residents' evaluations (共评)."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.models import PhotoBytes, ProcessedPhoto
from common.geometry import area_m2, validate_geometry
from common.models import TimeStampedModel
from grids.models import Placed

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0"), "validators": [MinValueValidator(0)]}


OUTSIDE_EVERY_COMMUNITY = _("This place (%(x).6f, %(y).6f) is outside every community.")


def place_point(obj):
    """Community and grid cell of a record from its point (grids.models.Placed.place), once it is a point."""
    point = obj.location
    if point is None:
        return
    validate_geometry(point, kinds=("Point",), label=gettext("Location"))
    obj.place()


def photo_path(instance, filename):
    return f"cocreate/{timezone.now():%Y/%m}/{secrets.token_hex(8)}.jpg"


# --- 共谋: needs, resources, projects ----------------------------------------------------------------------------
class Need(Placed, TimeStampedModel):
    """需求清单: a need a resident or worker posts at a place; others support it (once each)."""

    class Topic(models.TextChoices):
        ENVIRONMENT = "environment", _("environment and sanitation")
        FACILITIES = "facilities", _("facilities and roads")
        SERVICES = "services", _("services (elderly, children)")
        SAFETY = "safety", _("safety")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("need status", "open")
        ON_AGENDA = "on_agenda", _("on a meeting's agenda")
        DECIDED = "decided", _("decided")
        DONE = "done", _("done")
        DECLINED = "declined", _("declined")

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), validators=[MaxLengthValidator(1000)])
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, default=Topic.OTHER)
    location = models.PointField(_("location"), srid=4326)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cocreate_needs",
        verbose_name=_("posted by"),
    )
    supporters = models.PositiveIntegerField(_("supporters"), default=0, editable=False)
    outside_message = OUTSIDE_EVERY_COMMUNITY

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-supporters", "-created_at"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.location is None:
            raise ValidationError({"location": gettext("Locate the need: use your position or tap the map.")})
        place_point(self)


class NeedPhoto(ProcessedPhoto):
    """A photo of a need: pending until the worker has re-encoded it without metadata (cases/photos.py)."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="photos", verbose_name=_("need"))
    image = models.ImageField(_("photo"), upload_to=photo_path, blank=True)

    class Meta:
        verbose_name = _("need photo")
        verbose_name_plural = _("need photos")
        ordering = ["id"]
        indexes = [
            # The worker's sweep of photos whose queued message was lost (cases.tasks.process_pending_photos).
            models.Index(fields=["created_at"], name="needphoto_pending", condition=models.Q(status="pending"))
        ]


class NeedPhotoUpload(PhotoBytes):
    """The raw bytes of a need's photo while the worker re-encodes it (cases.models.PhotoBytes)."""

    photo = models.OneToOneField(NeedPhoto, on_delete=models.CASCADE, primary_key=True, related_name="upload")


class NeedSupport(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="supports", verbose_name=_("need"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("support of a need")
        verbose_name_plural = _("supports of needs")
        constraints = [models.UniqueConstraint(fields=["need", "user"], name="cocreate_need_support_once")]


class Resource(TimeStampedModel):
    """资源清单: spaces, skills, materials and funds on offer in a community, and by whom (a public alias)."""

    class Kind(models.TextChoices):
        SPACE = "space", _("space")
        SKILL = "skill", _("skill")
        MATERIAL = "material", _("materials")
        FUND = "fund", _("funds")

    community = models.ForeignKey(
        "grids.Community", on_delete=models.PROTECT, related_name="resources", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True, validators=[MaxLengthValidator(1000)])
    offered_by = models.CharField(
        _("offered by"), max_length=60, help_text=_("A unit, a shop, or a household's door plate or alias.")
    )
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["kind", "title"]

    def __str__(self):
        return self.title


class CoProject(TimeStampedModel):
    """项目清单: what a community decided to do, optionally tied to a renovation project."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        APPROVED = "approved", _("approved")
        UNDERWAY = "underway", _("underway")
        DONE = "done", _("done")

    community = models.ForeignKey(
        "grids.Community", on_delete=models.PROTECT, related_name="coprojects", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True, validators=[MaxLengthValidator(2000)])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    needs = models.ManyToManyField(Need, blank=True, related_name="projects", verbose_name=_("needs"))
    renovation = models.ForeignKey(
        "planning.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coprojects",
        verbose_name=_("renovation project"),
    )

    class Meta:
        verbose_name = _("community project")
        verbose_name_plural = _("community projects")
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


# --- 议事: meetings, decisions, tasks -------------------------------------------------------------------------------
class Meeting(TimeStampedModel):
    """议事: a deliberation meeting with participants by household, an agenda drawn from needs and its decisions."""

    community = models.ForeignKey(
        "grids.Community", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=150)
    held_at = models.DateTimeField(_("held at"))
    venue = models.CharField(_("venue"), max_length=150)
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    agenda = models.ManyToManyField(Need, blank=True, related_name="meetings", verbose_name=_("agenda"))
    households = models.ManyToManyField(
        "grids.Household", blank=True, related_name="meetings", verbose_name=_("participating households")
    )
    record = models.TextField(
        _("record"),
        blank=True,
        validators=[MaxLengthValidator(5000)],
        help_text=_("The meeting's record as published: no names, phones or door plates."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("deliberation meeting")
        verbose_name_plural = _("deliberation meetings")
        ordering = ["-held_at"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.held_at and self.held_at > timezone.now() + timezone.timedelta(days=366):
            raise ValidationError({"held_at": gettext("A meeting is held within the coming year.")})


class Task(TimeStampedModel):
    """A task from a decision: an owner and a deadline."""

    community = models.ForeignKey(
        "grids.Community", on_delete=models.PROTECT, related_name="cocreate_tasks", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cocreate_tasks",
        verbose_name=pgettext_lazy("task", "owner"),
    )
    deadline = models.DateField(_("deadline"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "pk"]

    def __str__(self):
        return self.title


class Decision(TimeStampedModel):
    """A decision of a meeting, carried out as a task, a case or a renovation item."""

    class Outcome(models.TextChoices):
        TASK = "task", _("a task")
        CASE = "case", _("a case")
        ITEM = "item", _("a renovation item")
        NONE = "none", _("recorded only")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("meeting"))
    need = models.ForeignKey(
        Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions", verbose_name=_("need")
    )
    text = models.TextField(_("decision"), validators=[MaxLengthValidator(1000)])
    votes_for = models.PositiveIntegerField(_("households for"), default=0)
    votes_against = models.PositiveIntegerField(_("households against"), default=0)
    outcome = models.CharField(_("carried out as"), max_length=5, choices=Outcome.choices, default=Outcome.NONE)
    task = models.OneToOneField(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="decision", verbose_name=_("task")
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cocreate_decisions",
        verbose_name=_("case"),
    )
    item = models.ForeignKey(
        "planning.Item",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cocreate_decisions",
        verbose_name=_("renovation item"),
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "pk"]

    def __str__(self):
        return self.text[:60]


# --- 共评: ratings of cases and of renovation projects ------------------------------------------------------------
class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASIC = "basic", _("basically satisfied")
    NOT = "not", _("not satisfied")


class CaseRating(TimeStampedModel):
    """The reporter's rating of a closed case (one per case; a new close after a reopening asks again)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="ratings", verbose_name=_("case"))
    level = models.CharField(_("satisfaction"), max_length=10, choices=Satisfaction.choices)
    note = models.TextField(_("note"), blank=True, validators=[MaxLengthValidator(500)])
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("rated by")
    )
    closed_at = models.DateTimeField(_("closure rated"))

    class Meta:
        verbose_name = _("case rating")
        verbose_name_plural = _("case ratings")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["case", "closed_at"], name="cocreate_case_rated_once")]


class ProjectRating(TimeStampedModel):
    """居民评价: a household's rating of a finished renovation project (once per household)."""

    project = models.ForeignKey(
        "planning.Project", on_delete=models.CASCADE, related_name="resident_ratings", verbose_name=_("project")
    )
    household = models.ForeignKey(
        "grids.Household", on_delete=models.PROTECT, related_name="project_ratings", verbose_name=_("household")
    )
    level = models.CharField(_("satisfaction"), max_length=10, choices=Satisfaction.choices)
    note = models.TextField(_("note"), blank=True, validators=[MaxLengthValidator(500)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("resident rating of a project")
        verbose_name_plural = _("resident ratings of projects")
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="cocreate_project_rated_once_per_household")
        ]


# --- 集中整治: campaigns ------------------------------------------------------------------------------------------
class Campaign(TimeStampedModel):
    """集中整治 / 环境整治月: a zone (drawn, or a set of cells) of a community, a period, target categories and a
    checklist; findings recorded during it become its cases."""

    community = models.ForeignKey(
        "grids.Community", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=150)
    zone = models.MultiPolygonField(_("zone"), srid=4326, null=True, blank=True)
    cells = models.ManyToManyField("grids.GridCell", blank=True, related_name="campaigns", verbose_name=_("grid cells"))
    start = models.DateField(_("start"))
    end = models.DateField(pgettext_lazy("period", "end"))
    categories = models.ManyToManyField(
        "cases.Category", blank=True, related_name="campaigns", verbose_name=_("target categories")
    )
    checklist = models.JSONField(pgettext_lazy("campaign", "checklist"), default=list, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": gettext("The campaign ends before it starts.")})
        if self.zone is not None:
            validate_geometry(self.zone, kinds=("MultiPolygon", "Polygon"), label=gettext("Zone"))
        if not isinstance(self.checklist, list) or not all(isinstance(x, str) for x in self.checklist):
            raise ValidationError({"checklist": gettext("The checklist is a list of items.")})


class Finding(models.Model):
    """A finding recorded during a campaign: a case of the campaign (photos and flow are the case's)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="findings", verbose_name=_("campaign")
    )
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="campaign_finding", verbose_name=_("case")
    )
    checklist_item = models.CharField(_("checklist item"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name=_("recorded by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("campaign finding")
        verbose_name_plural = _("campaign findings")
        ordering = ["-at"]


class SpotCheck(models.Model):
    """每周抽查: a manager's sample of a campaign's findings of one week, drawn at random from a stored seed so the
    same seed always gives the same sample; each sampled finding is checked on site (pass or fail)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="spot_checks", verbose_name=_("campaign")
    )
    week = models.DateField(_("week from"), help_text=_("The Monday of the week sampled."))
    size = models.PositiveSmallIntegerField(_("sample size"), validators=[MinValueValidator(1)])
    seed = models.BigIntegerField(_("seed"), editable=False)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False, verbose_name=_("drawn by")
    )
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("weekly spot check")
        verbose_name_plural = _("weekly spot checks")
        ordering = ["-week", "-pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "week"], name="cocreate_spot_check_once_a_week")]

    def __str__(self):
        return f"{self.campaign} · {self.week}"


class SpotCheckItem(models.Model):
    """One sampled finding of a spot check and what the check found."""

    class Result(models.TextChoices):
        PASS = "pass", pgettext_lazy("spot check", "pass")
        FAIL = "fail", pgettext_lazy("spot check", "fail")

    spot_check = models.ForeignKey(
        SpotCheck, on_delete=models.CASCADE, related_name="items", verbose_name=_("weekly spot check")
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="spot_checks", verbose_name=_("campaign finding")
    )
    result = models.CharField(_("result"), max_length=4, choices=Result.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("spot-checked finding")
        verbose_name_plural = _("spot-checked findings")
        ordering = ["spot_check", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "finding"], name="cocreate_spot_check_finding_once")
        ]


# --- 共建: contributions ------------------------------------------------------------------------------------------
class Contribution(TimeStampedModel):
    """出资、出力、出物、出地: what a household, business or organisation put into a project, campaign or facility."""

    class Kind(models.TextChoices):
        MONEY = "money", _("money")
        LABOUR = "labour", _("labour")
        MATERIALS = "materials", _("materials")
        LAND = "land", _("land or space")

    class Contributor(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        BUSINESS = "business", _("business")
        ORGANISATION = "organisation", _("organisation")

    community = models.ForeignKey(
        "grids.Community", on_delete=models.PROTECT, related_name="contributions", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    contributor_kind = models.CharField(_("contributor"), max_length=12, choices=Contributor.choices)
    household = models.ForeignKey(
        "grids.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("household"),
    )
    contributor_name = models.CharField(
        _("business or organisation"), max_length=100, blank=True, help_text=_("For a business or organisation.")
    )
    alias = models.CharField(
        _("public alias"),
        max_length=40,
        blank=True,
        help_text=_("Shown on the thank-you list instead of the door plate."),
    )
    project = models.ForeignKey(
        "planning.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("renovation project"),
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("campaign"),
    )
    facility = models.ForeignKey(
        "assets.Asset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("facility"),
    )
    on = models.DateField(_("date"), default=timezone.localdate)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    hours = models.DecimalField(
        _("hours"), max_digits=8, decimal_places=1, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    work = models.CharField(pgettext_lazy("labour", "work done"), max_length=200, blank=True)
    item = models.CharField(pgettext_lazy("materials", "item"), max_length=100, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    value = models.DecimalField(_("estimated value (yuan)"), **MONEY)
    area = models.PolygonField(_("area"), srid=4326, null=True, blank=True)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True, editable=False)
    until = models.DateField(_("lent until"), null=True, blank=True)
    points_entry = models.OneToOneField(
        "cogov.LedgerEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="contribution",
        verbose_name=_("points entry"),
    )

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.public_name}"

    @property
    def public_name(self):
        """What the thank-you list shows: the alias, else the door plate, else the business or organisation."""
        if self.alias:
            return self.alias
        if self.household_id:
            return self.household.door_plate or gettext("a household")
        return self.contributor_name

    def clean(self):
        super().clean()
        errors = {}
        targets = [t for t in (self.project_id, self.campaign_id, self.facility_id) if t]
        if len(targets) != 1:
            errors["project"] = gettext("Name one project, campaign or facility the contribution goes to.")
        if self.contributor_kind == self.Contributor.HOUSEHOLD and not self.household_id:
            errors["household"] = gettext("Choose the household.")
        if self.contributor_kind != self.Contributor.HOUSEHOLD and not self.contributor_name.strip():
            errors["contributor_name"] = gettext("Name the business or organisation.")
        if self.kind == self.Kind.MONEY and not self.amount:
            errors["amount"] = gettext("A money contribution needs its amount.")
        if self.kind == self.Kind.LABOUR and (not self.hours or not self.work.strip()):
            errors["hours"] = gettext("Labour needs the hours and what was done.")
        if self.kind == self.Kind.MATERIALS and (not self.item.strip() or not self.quantity):
            errors["item"] = gettext("Materials need the item and the quantity.")
        if self.kind == self.Kind.LAND:
            if self.area is None:
                errors["area"] = gettext("Draw the land or space on the map.")
            else:
                try:
                    validate_geometry(self.area, kinds=("Polygon",), label=gettext("Area"))
                except ValidationError as exc:
                    errors["area"] = exc.messages
            if self.until and self.on and self.until < self.on:
                errors["until"] = gettext("The period ends before it starts.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.area_m2 = round(area_m2(self.area), 1) if self.area is not None else None
        super().save(*args, **kwargs)


# --- 矛盾纠纷调解: mediation (private) -----------------------------------------------------------------------------
class Mediator(models.Model):
    """A person who mediates disputes in a community (调解员): they, and the parties' grid worker, read its
    mediations; nobody else but administrators does."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediator_of", verbose_name=_("user")
    )
    community = models.ForeignKey(
        "grids.Community", on_delete=models.CASCADE, related_name="mediators", verbose_name=_("community")
    )

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        constraints = [models.UniqueConstraint(fields=["user", "community"], name="cocreate_mediator_once")]

    def __str__(self):
        return f"{self.user} · {self.community}"


class Mediation(Placed, TimeStampedModel):
    """A dispute between neighbours or households: private, never public."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        MEDIATING = "mediating", _("being mediated")
        AGREED = "agreed", _("agreement reached")
        FAILED = "failed", _("no agreement")

    subject = models.CharField(_("subject"), max_length=150)
    description = models.TextField(_("description"), validators=[MaxLengthValidator(2000)])
    location = models.PointField(_("place"), srid=4326)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    parties = models.ManyToManyField("grids.Household", related_name="mediations", verbose_name=_("parties"))
    agreement = models.TextField(
        pgettext_lazy("mediation", "agreement"), blank=True, validators=[MaxLengthValidator(5000)]
    )
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    outside_message = OUTSIDE_EVERY_COMMUNITY

    class Meta:
        verbose_name = _("mediation")
        verbose_name_plural = _("mediations")
        ordering = ["-received_on", "-pk"]

    def __str__(self):
        return self.subject

    def clean(self):
        super().clean()
        if self.location is None:
            raise ValidationError({"location": gettext("Mark the place of the dispute on the map.")})
        place_point(self)
        if self.agreed_on and self.received_on and self.agreed_on < self.received_on:
            raise ValidationError({"agreed_on": gettext("The agreement is dated before the dispute was received.")})

    def save(self, *args, **kwargs):
        """Community and cell from the place. Who holds the cell is read from the assignments when asked (see
        cell_workers): the worker who reads the mediation is whoever holds the cell today."""
        if self.community_id is None:
            place_point(self)
        super().save(*args, **kwargs)

    def cell_workers(self, day=None):
        """The assignments of the dispute's cell on `day` (today by default): the primary worker first, then the
        helpers (all of them read the mediation, as accounts.policy.worker_cells says)."""
        from grids.models import GridAssignment

        if self.cell_id is None:
            return []
        assignments = (
            GridAssignment.objects.active_on(day or timezone.localdate())
            .filter(cell_id=self.cell_id)
            .select_related("worker")
            .order_by("start", "pk")
        )
        return sorted(assignments, key=lambda a: a.role != GridAssignment.Role.PRIMARY)


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("held on"))
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("mediator"))
    note = models.TextField(_("note"), validators=[MaxLengthValidator(2000)])

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_on", "pk"]


class MediationPhoto(ProcessedPhoto):
    """A photo of the signed agreement: pending until the worker has re-encoded it without metadata
    (cases/photos.py); only a ready one is shown or served."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path, blank=True)

    class Meta:
        verbose_name = _("agreement photo")
        verbose_name_plural = _("agreement photos")
        indexes = [
            models.Index(fields=["created_at"], name="mediationphoto_pending", condition=models.Q(status="pending"))
        ]


class MediationPhotoUpload(PhotoBytes):
    """The raw bytes of an agreement's photo while the worker re-encodes it (cases.models.PhotoBytes)."""

    photo = models.OneToOneField(MediationPhoto, on_delete=models.CASCADE, primary_key=True, related_name="upload")


class FollowUp(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="follow_ups")
    on = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("by"))
    note = models.TextField(_("note"), validators=[MaxLengthValidator(1000)])

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["on", "pk"]
