"""Inspections (检查 / 明查暗访): checklists are data; each is scheduled weekly or monthly over the cells it names or
over the facilities of an asset type in its community. A grid worker fills a checklist at the place (with photos);
a failed item opens a rectification case (限期整改) through the case intake, with its category's deadline."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.models import PhotoBytes, ProcessedPhoto
from common.models import TimeStampedModel


class Period(models.TextChoices):
    WEEK = "week", _("weekly")
    MONTH = "month", _("monthly")


def period_start(day, period):
    """The first day of the period holding `day` (as PostgreSQL's date_trunc: weeks start on Monday)."""
    if period == Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_end(start, period):
    """The last day of the period starting on `start` (the day the inspection is due)."""
    if period == Period.WEEK:
        return start + timedelta(days=6)
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - timedelta(days=1)


class Checklist(TimeStampedModel):
    """What is checked, how often and where: the cells it names, or every facility of an asset type in its
    community (a 公厕 checklist covers the community's public toilets)."""

    class Target(models.TextChoices):
        CELLS = "cells", _("grid cells")
        ASSET_TYPE = "asset_type", _("facilities of a type")

    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        "grids.Community", on_delete=models.PROTECT, related_name="checklists", verbose_name=_("community")
    )
    target = models.CharField(_("inspected"), max_length=12, choices=Target.choices, default=Target.CELLS)
    asset_type = models.ForeignKey(
        "assets.AssetType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checklists",
        verbose_name=_("asset type"),
    )
    cells = models.ManyToManyField("grids.GridCell", blank=True, related_name="checklists", verbose_name=_("cells"))
    period = models.CharField(_("schedule"), max_length=6, choices=Period.choices, default=Period.WEEK)
    start = models.DateField(_("first period from"))
    end = models.DateField(_("last period until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = pgettext_lazy("inspections", "checklist")
        verbose_name_plural = pgettext_lazy("inspections", "checklists")
        ordering = ["community", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.target == self.Target.ASSET_TYPE and not self.asset_type_id:
            errors["asset_type"] = gettext("Choose the type of facility this checklist inspects.")
        if self.target == self.Target.CELLS and self.asset_type_id:
            errors["asset_type"] = gettext("A checklist of grid cells has no asset type.")
        if self.start and self.end and self.end < self.start:
            errors["end"] = gettext("The last period comes after the first.")
        if errors:
            raise ValidationError(errors)


class ChecklistItem(models.Model):
    """One thing checked (地面无积水, 消防通道畅通 …); a failure is reported as a case of `category`, whose deadline
    is the rectification deadline."""

    checklist = models.ForeignKey(
        Checklist,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=pgettext_lazy("inspections", "checklist"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(pgettext_lazy("inspections", "item"), max_length=200)
    category = models.ForeignKey(
        "cases.Category",
        on_delete=models.PROTECT,
        related_name="checklist_items",
        verbose_name=_("category of the rectification case"),
    )

    class Meta:
        verbose_name = pgettext_lazy("inspections", "checklist item")
        verbose_name_plural = pgettext_lazy("inspections", "checklist items")
        ordering = ["checklist", "order", "id"]

    def __str__(self):
        return self.text


class Inspection(TimeStampedModel):
    """One filled checklist: for a cell (and a facility when the checklist targets a type) and one period."""

    client_id = models.UUIDField(_("client id"), unique=True, editable=False)
    checklist = models.ForeignKey(
        Checklist,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=pgettext_lazy("inspections", "checklist"),
    )
    cell = models.ForeignKey(
        "grids.GridCell", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("grid cell")
    )
    asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checklist_inspections",
        verbose_name=_("facility"),
    )
    period_start = models.DateField(_("period from"), editable=False)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="checklist_inspections",
        verbose_name=pgettext_lazy("inspections", "inspector"),
    )
    inspected_at = models.DateTimeField(pgettext_lazy("inspections", "inspected at"), db_index=True)
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = pgettext_lazy("inspections", "inspection")
        verbose_name_plural = pgettext_lazy("inspections", "inspections")
        ordering = ["-inspected_at"]
        indexes = [models.Index(fields=["checklist", "cell", "period_start"])]

    def __str__(self):
        return f"{self.checklist} · {self.period_start}"

    @property
    def failed(self):
        return self.results.filter(passed=False).count()


class ItemResult(models.Model):
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=pgettext_lazy("inspections", "inspection"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        related_name="results",
        verbose_name=pgettext_lazy("inspections", "item"),
    )
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspection_results",
        verbose_name=_("rectification case"),
    )

    class Meta:
        verbose_name = _("item result")
        verbose_name_plural = _("item results")
        ordering = ["inspection", "item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspection_item_once")]


class InspectionPhoto(ProcessedPhoto):
    """A photo taken at an inspection: pending until the worker has re-encoded it without metadata
    (cases/photos.py)."""

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=pgettext_lazy("inspections", "inspection"),
    )
    image = models.ImageField(_("photo"), upload_to="inspections/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        indexes = [
            models.Index(fields=["created_at"], name="inspectionphoto_pending", condition=models.Q(status="pending"))
        ]


class InspectionPhotoUpload(PhotoBytes):
    """The raw bytes of an inspection's photo while the worker re-encodes it (cases.models.PhotoBytes)."""

    photo = models.OneToOneField(InspectionPhoto, on_delete=models.CASCADE, primary_key=True, related_name="upload")
