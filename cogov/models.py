"""Co-governance: points ledger (积分制), redemption catalogue (积分超市), ratings and red/black boards.

A household's balance is the sum of its ledger entries; entries are never edited or deleted, a wrong
entry is reversed by a counter-entry that points at it.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.models import PhotoBytes, ProcessedPhoto
from common.models import TimeStampedModel
from grids.models import Community, Household


class Source(models.TextChoices):
    """What earns or spends points."""

    GOOD_DEED = "good_deed", _("verified good-deed report")
    MAINTENANCE = "maintenance", _("accepted adoption maintenance log")
    VOLUNTEER = "volunteer", _("volunteer hours")
    CIVILITY = "civility", _("quarterly civility evaluation")
    HYGIENE = "hygiene", _("weekly hygiene check")
    RATING = "rating", _("rating awarded")
    REDEMPTION = "redemption", _("redemption")
    MANUAL = "manual", _("manual grant")


class PointRule(TimeStampedModel):
    """Points per action (per hour for volunteer work), with an optional monthly cap per household."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    points = models.IntegerField(_("points per action"))
    monthly_cap = models.PositiveIntegerField(
        _("monthly cap"),
        null=True,
        blank=True,
        help_text=_("Most points a household can earn under this rule in one calendar month; empty for no cap."),
    )
    active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["source", "code"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.points == 0:
            raise ValidationError({"points": gettext("A rule gives or takes at least one point.")})
        if self.monthly_cap is not None and self.points < 0:
            raise ValidationError({"monthly_cap": gettext("Only rules that give points have a monthly cap.")})


class LedgerQuerySet(models.QuerySet):
    def in_period(self, start, end):
        """Entries dated on start..end (dates, inclusive), in the site's time zone."""
        return self.filter(at__date__gte=start, at__date__lte=end)


class LedgerEntry(models.Model):
    """One line of a household's points ledger. Written once, never changed."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="points_entries", verbose_name=_("household")
    )
    points = models.IntegerField(_("points"))
    rule = models.ForeignKey(
        PointRule, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("rule")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("source record type")
    )
    source_id = models.CharField(_("source record id"), max_length=64, blank=True)
    source_record = GenericForeignKey("source_type", "source_id")
    quantity = models.DecimalField(_("quantity"), max_digits=7, decimal_places=2, default=1)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household", "at"]), models.Index(fields=["source", "at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="ledger_points_nonzero"),
            # A verified source record earns its points once under a rule (a reversal is a separate line).
            models.UniqueConstraint(
                fields=["rule", "source_type", "source_id"],
                condition=Q(reverses__isnull=True) & ~Q(source_id=""),
                name="ledger_source_once",
            ),
        ]

    def __str__(self):
        return f"{self.household} {self.points:+d} · {self.get_source_display()}"

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.pop("force_insert", False):
            raise ValidationError(gettext("A points entry cannot be changed; reverse it with a counter-entry."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(gettext("A points entry cannot be deleted; reverse it with a counter-entry."))


class CatalogueItem(TimeStampedModel):
    """An item of the points shop (积分超市 / 爱心超市)."""

    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="catalogue_items",
        verbose_name=_("community"),
        help_text=_("Empty: offered in every community."),
    )
    price = models.PositiveIntegerField(_("price in points"), validators=[MinValueValidator(1)])
    stock = models.PositiveIntegerField(_("stock"), default=0)
    active = models.BooleanField(_("on offer"), default=True)

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["price", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="catalogue_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="catalogue_price_positive"),
        ]

    def __str__(self):
        return self.name


class Redemption(models.Model):
    """Points exchanged for items: the ledger entry and the stock change are made together."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("household")
    )
    item = models.ForeignKey(
        CatalogueItem, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("item")
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    points = models.PositiveIntegerField(_("points"))
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="redemption", verbose_name=_("points entry")
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("served by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.household} · {self.item} × {self.quantity}"


class Rating(TimeStampedModel):
    """十星级文明户 / 美丽庭院: apply → field assessment (checklist, photos) → award or refusal."""

    class Kind(models.TextChoices):
        TEN_STAR = "ten_star", _("ten-star civilised household")
        COURTYARD = "courtyard", _("beautiful courtyard")

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        ASSESSED = "assessed", _("assessed")
        AWARDED = "awarded", _("awarded")
        REFUSED = "refused", _("refused")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("household")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    alias = models.CharField(
        _("public alias"), max_length=40, blank=True, help_text=_("Shown on public boards instead of the door plate.")
    )
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-year", "kind", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind", "year"],
                condition=~Q(status="refused"),
                name="rating_once_a_year",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.year} · {self.public_name}"

    @property
    def public_name(self):
        return self.alias or self.household.door_plate


class AssessmentPhoto(ProcessedPhoto):
    """A photo taken at a household's assessment: pending until the worker has re-encoded it without metadata
    (cases/photos.py)."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="photos", verbose_name=_("rating"))
    image = models.ImageField(_("photo"), upload_to="cogov/assessments/%Y/%m/", blank=True)
    caption = models.CharField(_("caption"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("assessment photo")
        verbose_name_plural = _("assessment photos")
        indexes = [
            models.Index(fields=["created_at"], name="assessmentphoto_pending", condition=models.Q(status="pending"))
        ]

    def __str__(self):
        return self.caption or self.image.name


class AssessmentPhotoUpload(PhotoBytes):
    """The raw bytes of an assessment's photo while the worker re-encodes it (cases.models.PhotoBytes)."""

    photo = models.OneToOneField(AssessmentPhoto, on_delete=models.CASCADE, primary_key=True, related_name="upload")


class BoardEntry(TimeStampedModel):
    """A line of a community's public red board (红榜) or black board (黑榜)."""

    class Board(models.TextChoices):
        RED = "red", _("red board")
        BLACK = "black", _("black board")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="board_entries", verbose_name=_("community")
    )
    board = models.CharField(_("board"), max_length=5, choices=Board.choices)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="board_entries", verbose_name=_("household")
    )
    alias = models.CharField(
        _("public alias"), max_length=40, blank=True, help_text=_("Shown instead of the door plate when given.")
    )
    reason = models.CharField(_("reason"), max_length=200)
    rating = models.ForeignKey(
        Rating, on_delete=models.SET_NULL, null=True, blank=True, related_name="board_entries", verbose_name=_("rating")
    )
    published = models.DateField(_("published"), default=timezone.localdate)
    until = models.DateField(_("shown until"), null=True, blank=True)

    class Meta:
        verbose_name = _("board entry")
        verbose_name_plural = _("board entries")
        ordering = ["board", "-published", "-id"]

    def __str__(self):
        return f"{self.get_board_display()} · {self.public_name}"

    @property
    def public_name(self):
        return self.alias or self.household.door_plate

    def clean(self):
        super().clean()
        if self.household_id and self.community_id and self.household.community_id != self.community_id:
            raise ValidationError({"household": gettext("The household does not belong to this community.")})
        if self.until and self.published and self.until < self.published:
            raise ValidationError({"until": gettext("The end date is before the publication date.")})
