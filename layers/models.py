"""Import jobs, free overlay layers and imagery."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel


class FeatureLayer(TimeStampedModel):
    """A free overlay layer: features of any geometry with the file's own attributes."""

    class Visibility(models.TextChoices):
        ADMINS = "admins", _("administrators and those given the layer permissions")
        STAFF = "staff", _("staff of an area")
        PUBLIC = "public", _("everyone, also without signing in")

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(
        _("who sees it"), max_length=10, choices=Visibility.choices, default=Visibility.ADMINS
    )
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("For “staff of an area”: the staff of this community, its street and district; empty: every area."),
    )

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


class RasterLayer(TimeStampedModel):
    """An imagery layer: a GeoTIFF kept as a Cloud-Optimized GeoTIFF in its own CRS (tiles reproject on the fly)."""

    class Kind(models.TextChoices):
        RGB = "rgb", _("RGB photo")
        MULTIBAND = "multiband", _("multi-band scene")
        NDVI = "ndvi", _("NDVI")
        LANDCOVER = "landcover", _("land cover")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RGB)
    acquired = models.DateField(_("acquired"), null=True, blank=True)
    source = models.FileField(_("uploaded file"), upload_to="rasters/source/", max_length=300, blank=True)
    cog = models.FileField(_("Cloud-Optimized GeoTIFF"), upload_to="rasters/cog/", max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    red_band = models.PositiveSmallIntegerField(_("red band"), null=True, blank=True)
    green_band = models.PositiveSmallIntegerField(_("green band"), null=True, blank=True)
    blue_band = models.PositiveSmallIntegerField(_("blue band"), null=True, blank=True)
    nir_band = models.PositiveSmallIntegerField(_("near-infrared band"), null=True, blank=True)
    green_classes = models.CharField(
        _("green classes"),
        max_length=100,
        blank=True,
        help_text=_("Land-cover class values counted as green, e.g. 1,2"),
    )
    crs = models.TextField(_("CRS"), blank=True)
    width = models.IntegerField(_("width"), default=0)
    height = models.IntegerField(_("height"), default=0)
    band_count = models.IntegerField(_("bands"), default=0)
    dtype = models.CharField(_("data type"), max_length=20, blank=True)
    stats = models.JSONField(_("band statistics"), default=list, blank=True)
    bounds = models.PolygonField(_("bounds"), srid=4326, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("imagery layer")
        verbose_name_plural = _("imagery layers")
        ordering = ["-acquired", "name"]

    def __str__(self):
        return self.name

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def green_class_values(self):
        return [float(v) for v in self.green_classes.replace(" ", "").split(",") if v]

    @property
    def has_green(self):
        """Green coverage can be computed: NDVI, red + NIR bands, or land cover with green classes."""
        return (
            self.kind == self.Kind.NDVI
            or (self.red_band is not None and self.nir_band is not None)
            or (self.kind == self.Kind.LANDCOVER and bool(self.green_class_values))
        )

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext

        errors = {}
        for field in ("red_band", "green_band", "blue_band", "nir_band"):
            value = getattr(self, field)
            if value is not None and self.band_count and not 1 <= value <= self.band_count:
                errors[field] = gettext("The image has bands 1 to %(n)s.") % {"n": self.band_count}
        try:
            values = self.green_class_values
            del values
        except ValueError:
            errors["green_classes"] = gettext("Give class values as numbers separated by commas.")
        if errors:
            raise ValidationError(errors)


class GreenCoverage(models.Model):
    """The share of green pixels of one raster inside one grid cell or one planning zone."""

    raster = models.ForeignKey(RasterLayer, on_delete=models.CASCADE, related_name="coverage", verbose_name=_("raster"))
    cell = models.ForeignKey(
        "grids.GridCell", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("cell")
    )
    # The id of a renovation zone: not a foreign key, so that the imagery engine does not depend on the planning
    # app; planning registers its zones as a coverage target and their rows go with them (layers.coverage).
    zone_id = models.BigIntegerField(_("zone"), null=True, blank=True, db_index=True)
    share = models.FloatField(_("green share"))
    green_m2 = models.FloatField(_("green area (m²)"))
    area_m2 = models.FloatField(_("area covered by the image (m²)"))

    class Meta:
        verbose_name = _("green coverage")
        verbose_name_plural = _("green coverage")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cell__isnull=False, zone_id__isnull=True)
                | models.Q(cell__isnull=True, zone_id__isnull=False),
                name="green_coverage_cell_or_zone",
            ),
            models.UniqueConstraint(fields=["raster", "cell"], name="green_coverage_raster_cell"),
            models.UniqueConstraint(fields=["raster", "zone_id"], name="green_coverage_raster_zone"),
        ]
