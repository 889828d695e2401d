"""Who is responsible for every place: 门前三包 frontages, 责任路段 streets, 包片 zones, adopted green spaces."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from common.geometry import as_multipolygon, metric_srid_for, to_metric, validate_geometry
from common.models import AliveManager, SoftDeleteModel, SoftDeleteQuerySet, TimeStampedModel


class Party(TimeStampedModel):
    """A responsible party: a user, a household, an organisation or a department."""

    class Kind(models.TextChoices):
        USER = "user", _("person (user)")
        HOUSEHOLD = "household", _("household")
        ORGANISATION = "organisation", _("organisation or shop")
        DEPARTMENT = "department", _("department")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("For organisations and departments."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("user")
    )
    household = models.ForeignKey(
        "grids.Household", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("household")
    )
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parties",
        verbose_name=_("community"),
        help_text=_("The community whose managers keep this party; none for city departments (administrators)."),
    )

    class Meta:
        verbose_name = _("responsible party")
        verbose_name_plural = _("responsible parties")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The party as anyone may see it: a household appears by its door plate, never by name."""
        if self.kind == self.Kind.HOUSEHOLD and self.household_id:
            return gettext("household %(plate)s") % {"plate": self.household.door_plate}
        if self.kind == self.Kind.USER and self.user_id:
            return self.user.get_full_name() or self.user.username
        return self.name

    def clean(self):
        super().clean()
        needs = {self.Kind.USER: "user", self.Kind.HOUSEHOLD: "household"}.get(self.kind)
        if needs and not getattr(self, f"{needs}_id"):
            raise ValidationError({needs: gettext("Choose the %(what)s this party is.") % {"what": needs}})
        if self.kind in (self.Kind.ORGANISATION, self.Kind.DEPARTMENT) and not self.name:
            raise ValidationError({"name": gettext("Give the organisation's or department's name.")})
        if self.kind == self.Kind.HOUSEHOLD and self.household_id:
            # A household's party belongs to the household's community, wherever it was filed from.
            self.community_id = self.household.community_id


class Duty(models.TextChoices):
    FRONTAGE_CLEAN = "clean", _("frontage hygiene")
    FACADE = "facade", _("tidy facades")
    ORDER = "order", _("street order")
    SAME_DAY = "same_day", _("cleared the same day")
    GREEN = "green", _("green maintenance")
    PATROL = "patrol", _("patrol and report")


class AreaQuerySet(SoftDeleteQuerySet):
    def active_on(self, day):
        return self.filter(Q(start__lte=day), Q(end__isnull=True) | Q(end__gte=day))

    def overlapping_period(self, start, end):
        qs = self.filter(Q(end__isnull=True) | Q(end__gte=start))
        return qs.filter(start__lte=end) if end else qs


class ResponsibilityArea(SoftDeleteModel, TimeStampedModel):
    class Kind(models.TextChoices):
        FRONTAGE = "frontage", _("frontage (门前三包)")
        ROAD = "road", _("street segment (责任路段)")
        ZONE = "zone", _("cadre zone (包片)")
        ADOPTION = "adoption", _("adopted green space (认养)")

    LINE_KINDS = {Kind.ROAD}

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.PROTECT,
        related_name="responsibility_areas",
        verbose_name=_("community"),
        blank=True,
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="areas", verbose_name=_("responsible party")
    )
    duties = ArrayField(
        models.CharField(max_length=20, choices=Duty.choices), default=list, blank=True, verbose_name=_("duties")
    )
    start = models.DateField(_("start"), default=timezone.localdate)
    end = models.DateField(_("end"), null=True, blank=True)
    # Every area is a polygon; a street segment keeps its centreline and width and its polygon is the buffer.
    area = models.MultiPolygonField(_("area"), srid=4326, blank=True)
    line = models.LineStringField(_("centreline"), srid=4326, null=True, blank=True)
    width_m = models.FloatField(_("width (m)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AliveManager.from_queryset(AreaQuerySet)()
    all_objects = models.Manager.from_queryset(AreaQuerySet)()

    class Meta:
        verbose_name = _("responsibility area")
        verbose_name_plural = _("responsibility areas")
        ordering = ["community", "kind", "name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def duty_labels(self):
        return [Duty(d).label for d in self.duties if d in Duty.values]

    @property
    def duty_text(self):
        return "、".join(str(d) for d in self.duty_labels())

    def build_area_from_line(self):
        srid = metric_srid_for(self.line)
        buffered = to_metric(self.line, srid).buffer(self.width_m / 2.0, quadsegs=4)
        buffered.transform(4326)
        self.area = as_multipolygon(buffered)

    def clean(self):
        super().clean()
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": gettext("The end date is before the start date.")})
        if self.kind in self.LINE_KINDS:
            if self.line is None:
                raise ValidationError({"line": gettext("A street segment needs its centreline.")})
            validate_geometry(self.line, kinds=("LineString",), label=gettext("Centreline"))
            if not self.line.simple:
                raise ValidationError({"line": gettext("The centreline crosses itself; draw it as a simple line.")})
            if not self.width_m or not (0.5 <= self.width_m <= 100):
                raise ValidationError({"width_m": gettext("Give the segment's width, between 0.5 and 100 metres.")})
            self.build_area_from_line()
        else:
            self.line, self.width_m = None, None
            self.area = as_multipolygon(self.area)
            validate_geometry(self.area, kinds=("MultiPolygon",), label=pgettext("responsibility area", "Area"))
        from responsibility.rules import check_area

        check_area(self)

    def save(self, *args, **kwargs):
        if self.kind in self.LINE_KINDS and self.line is not None and self.width_m:
            self.build_area_from_line()
        self.area = as_multipolygon(self.area)
        super().save(*args, **kwargs)
