"""Old-compound renovation (老旧小区改造): zones, compound facts, demolition plans, consent votes, projects, 公示."""

from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from common.geometry import as_multipolygon, validate_geometry
from common.models import TimeStampedModel


class DemolitionPlan(TimeStampedModel):
    """A polygon of a demolition plan (征收/拆迁计划): compounds inside are not renovated."""

    name = models.CharField(_("name"), max_length=100)
    area = models.MultiPolygonField(_("area"), srid=4326)
    until_year = models.PositiveSmallIntegerField(_("planned until (year)"), null=True, blank=True)

    class Meta:
        verbose_name = _("demolition plan area")
        verbose_name_plural = _("demolition plan areas")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.area = as_multipolygon(self.area)
        validate_geometry(self.area, kinds=("MultiPolygon",), label=pgettext("outline", "Area"))

    def save(self, *args, **kwargs):
        self.area = as_multipolygon(self.area)
        super().save(*args, **kwargs)


class CompoundRecord(TimeStampedModel):
    """What the renovation survey (摸底排查) records about a compound beyond its geometry."""

    compound = models.OneToOneField(
        "grids.Compound", on_delete=models.CASCADE, related_name="renovation_record", verbose_name=_("compound")
    )
    fee_collection_pct = models.DecimalField(
        _("property-fee collection (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    state_owned_land = models.BooleanField(_("state-owned urban land"), default=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("compound renovation record")
        verbose_name_plural = _("compound renovation records")

    def __str__(self):
        return str(self.compound)


class Zone(TimeStampedModel):
    """改造片区: a renovation zone, drawn or built from compounds/buildings; statistics follow its geometry."""

    name = models.CharField(_("name"), max_length=100)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)
    buffer_m = models.FloatField(_("buffer (m)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(500)])
    compounds = models.ManyToManyField(
        "grids.Compound", blank=True, related_name="renovation_zones", verbose_name=_("compounds")
    )
    stats = models.JSONField(_("statistics"), default=dict, blank=True, editable=False)
    stats_at = models.DateTimeField(_("statistics computed at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("renovation zone")
        verbose_name_plural = _("renovation zones")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.boundary = as_multipolygon(self.boundary)
        validate_geometry(self.boundary, kinds=("MultiPolygon",), label=gettext("Boundary"))
        if self.pk and self.boundary is not None:
            old = Zone.objects.filter(pk=self.pk).values_list("boundary", flat=True).first()
            published = [p for p in self.projects.all() if p.is_published]
            if old is not None and not old.equals_exact(self.boundary, 1e-12) and published:
                from django.core.exceptions import ValidationError

                raise ValidationError(
                    {
                        "boundary": gettext(
                            "The zone of “%(project)s” has been on public notice since %(day)s: its boundary is part "
                            "of the published plan and cannot be redrawn. Start a new zone and project instead."
                        )
                        % {"project": published[0].name, "day": published[0].published_on}
                    }
                )

    def save(self, *args, **kwargs):
        """Only saves. The statistics and the compounds inside follow a changed boundary once the save has
        committed (planning.services.save_zone / refresh_after_commit, called by whoever saves)."""
        self.boundary = as_multipolygon(self.boundary)
        super().save(*args, **kwargs)


class Stage(models.TextChoices):
    SURVEY = "survey", _("baseline survey (摸底排查)")
    WILLINGNESS = "willingness", _("residents' willingness survey (居民意愿调查)")
    DESIGN_REVIEW = "design_review", _("design review (设计方案审查)")
    PLAN = "plan", _("implementation plan (制定实施方案)")
    PUBLICATION = "publication", _("public notice (方案公示)")
    APPROVAL = "approval", _("application approved (申报确定)")
    CONSTRUCTION = "construction", _("construction (组织实施)")
    ACCEPTANCE = "acceptance", _("completion acceptance (竣工验收)")
    MAINTENANCE = "maintenance", _("long-term management (长效管理)")


STAGE_ORDER = list(Stage.values)


class Project(TimeStampedModel):
    """A renovation project for one zone, moving through the stages with gates (see planning.workflow)."""

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="projects", verbose_name=_("zone"))
    name = models.CharField(_("name"), max_length=150)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SURVEY, editable=False)
    published_on = models.DateField(_("public notice from"), null=True, blank=True, editable=False)
    comment_days = models.PositiveSmallIntegerField(
        _("days open for comments"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    start_on = models.DateField(_("planned start"), null=True, blank=True)
    finish_on = models.DateField(_("planned completion"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("renovation project")
        verbose_name_plural = _("renovation projects")
        ordering = ["-created_at"]
        permissions = [("moderate_comment", _("Can moderate comments on published plans"))]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.start_on and self.finish_on and self.finish_on < self.start_on:
            raise ValidationError({"finish_on": gettext("The planned completion is before the planned start.")})

    @property
    def stage_index(self):
        return STAGE_ORDER.index(self.stage)

    @property
    def is_published(self):
        return self.stage_index >= STAGE_ORDER.index(Stage.PUBLICATION) and self.published_on is not None

    @property
    def comments_until(self):
        if not self.published_on:
            return None
        return self.published_on + timezone.timedelta(days=self.comment_days)

    def comments_open(self, day=None):
        day = day or timezone.localdate()
        return self.is_published and self.published_on <= day < self.comments_until


class StageChange(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(pgettext_lazy("stage change", "from"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(pgettext_lazy("stage change", "to"), max_length=20, choices=Stage.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")


class ItemClass(models.TextChoices):
    BASIC = "basic", _("basic (基础类)")
    COMPLETE = "complete", _("completing (完善类)")
    UPGRADE = "upgrade", _("upgrading (提升类)")


MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0"), "validators": [MinValueValidator(0)]}


class Item(TimeStampedModel):
    """A renovation item with its class, quantity, cost estimate (元), funding sources and progress."""

    FUNDING = ("fund_residents", "fund_government", "fund_utilities", "fund_social")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items", verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=150)
    item_class = models.CharField(_("class"), max_length=10, choices=ItemClass.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    unit = models.CharField(pgettext_lazy("unit of measure", "unit"), max_length=20)
    cost_estimate = models.DecimalField(_("cost estimate (yuan)"), **MONEY)
    fund_residents = models.DecimalField(_("funded by residents (yuan)"), **MONEY)
    fund_government = models.DecimalField(_("funded by government (yuan)"), **MONEY)
    fund_utilities = models.DecimalField(_("funded by utilities (yuan)"), **MONEY)
    fund_social = models.DecimalField(_("funded by social capital (yuan)"), **MONEY)
    progress_pct = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("renovation item")
        verbose_name_plural = _("renovation items")
        ordering = ["item_class", "pk"]

    def __str__(self):
        return self.name

    @property
    def funded(self):
        return sum((getattr(self, f) or Decimal("0")) for f in self.FUNDING)

    def clean(self):
        super().clean()
        if self.cost_estimate is not None and self.funded > self.cost_estimate:
            raise ValidationError(
                gettext("The funding sources add up to %(funded)s yuan, more than the cost estimate of %(cost)s yuan.")
                % {"funded": self.funded, "cost": self.cost_estimate}
            )


class DesignChange(models.Model):
    """A change to the plan's items after its public notice, shown on the public page."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="design_changes")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name=_("by"))
    description = models.CharField(_("change"), max_length=300)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("design change")
        verbose_name_plural = _("design changes")


class Acceptance(TimeStampedModel):
    """竣工验收 record: who accepted, when, with photos (concealed works)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="acceptances", verbose_name=_("project")
    )
    accepted_on = models.DateField(_("accepted on"), default=timezone.localdate)
    inspectors = models.CharField(_("inspectors"), max_length=200)
    resident_evaluation = models.TextField(_("residents' evaluation"), blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("acceptance record")
        verbose_name_plural = _("acceptance records")
        ordering = ["-accepted_on"]


class AcceptancePhoto(TimeStampedModel):
    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="planning/acceptance/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("acceptance photo")
        verbose_name_plural = _("acceptance photos")


class Vote(TimeStampedModel):
    """One household, one vote per project; a changed vote replaces the earlier one (the change is counted once)."""

    class Choice(models.TextChoices):
        AGREE = "agree", _("agree")
        DISAGREE = "disagree", _("disagree")
        ABSTAIN = "abstain", _("abstain")

    class Channel(models.TextChoices):
        WORKER = "worker", _("recorded by a grid worker")
        RESIDENT = "resident", _("cast by the resident")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="votes", verbose_name=_("project"))
    household = models.ForeignKey(
        "grids.Household", on_delete=models.CASCADE, related_name="renovation_votes", verbose_name=_("household")
    )
    choice = models.CharField(_("vote"), max_length=10, choices=Choice.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("recorded by")
    )
    changes = models.PositiveSmallIntegerField(_("times changed"), default=0)

    class Meta:
        verbose_name = _("consent vote")
        verbose_name_plural = _("consent votes")
        constraints = [models.UniqueConstraint(fields=["project", "household"], name="one_vote_per_household")]


class Comment(models.Model):
    """A resident's comment on a published plan; shown only once approved. No names or phones are asked for."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting moderation")
        APPROVED = "approved", pgettext_lazy("comment moderation", "approved")
        REJECTED = "rejected", pgettext_lazy("comment moderation", "rejected")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    client = models.CharField(max_length=64, editable=False, db_index=True)  # salted hash of the address

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("plan comment")
        verbose_name_plural = _("plan comments")
