"""Import jobs, free overlay layers and imagery."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel


class FeatureLayer(TimeStampedModel):
    """A free overlay layer: features of any geometry with the file's own attributes."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("overlay layer")
        verbose_name_plural = _("overlay layers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Feature(TimeStampedModel):
    layer = models.ForeignKey(FeatureLayer, on_delete=models.CASCADE, related_name="features", verbose_name=_("layer"))
    key = models.CharField(_("key"), max_length=200, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    geom = models.GeometryField(_("geometry"), srid=4326)
    properties = models.JSONField(_("properties"), default=dict, blank=True)

    class Meta:
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        ordering = ["layer", "id"]

    def __str__(self):
        return self.name or self.key or f"#{self.pk}"

    def clean(self):
        super().clean()
        from django.utils.translation import gettext

        from common.geometry import validate_geometry

        validate_geometry(self.geom, label=gettext("Geometry"))


class ImportJob(TimeStampedModel):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=20)
    source_layer = models.CharField(_("layer in the file"), max_length=200, blank=True)
    crs_override = models.CharField(_("CRS override"), max_length=100, blank=True)
    source_crs = models.TextField(_("source CRS"), blank=True)
    fields = models.JSONField(_("fields of the file"), default=list, blank=True)
    feature_count = models.IntegerField(_("features in the file"), null=True, blank=True)
    target = models.CharField(_("target"), max_length=50)
    overlay = models.ForeignKey(
        FeatureLayer, on_delete=models.SET_NULL, null=True, blank=True, related_name="imports", verbose_name=_("layer")
    )
    mapping = models.JSONField(_("field mapping"), default=dict, blank=True)
    key_field = models.CharField(_("update by"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    processed = models.IntegerField(_("rows processed"), default=0)
    total = models.IntegerField(_("rows"), default=0)
    imported = models.IntegerField(_("imported"), default=0)
    updated = models.IntegerField(_("updated"), default=0)
    skipped = models.IntegerField(_("skipped"), default=0)
    report = models.JSONField(_("row report"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.original_name} → {self.target} ({self.get_status_display()})"

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
