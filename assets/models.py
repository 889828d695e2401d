"""Asset register (部件, CJ/T 214 style), inspections, photos, and adoption (认领/认养) of green spaces."""

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Func, Max, Q
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.geometry import STORAGE_SRID, to_metric, validate_geometry
from common.masking import Masked, mask_name, mask_phone
from common.models import CodeManager, Localised, TimeStampedModel  # Localised: named by migrations
from common.validators import validate_phone
from grids.models import Located, LocatedQuerySet

from .photos import validate_photo


class AssetFamily(Localised, models.Model):
    """A family of the classification (公用设施, 道路交通, 市容环境, 园林绿化, 房屋土地, 其他), coded by 2 digits."""

    code = models.CharField(_("code"), max_length=2, unique=True, validators=[])
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    colour = models.CharField(_("map colour"), max_length=7, default="#1f5fa8")

    objects = CodeManager()

    class Meta:
        verbose_name = _("asset family")
        verbose_name_plural = _("asset families")
        ordering = ["code"]

    def natural_key(self):
        return (self.code,)

    def clean(self):
        super().clean()
        if not (len(self.code or "") == 2 and self.code.isdigit()):
            raise ValidationError({"code": gettext("A family code has exactly 2 digits.")})


class TypeManager(models.Manager):
    def get_by_natural_key(self, family_code, code):
        return self.get(family__code=family_code, code=code)


class AssetType(Localised, models.Model):
    """A type within a family: 2-digit code (4 digits with the family), the geometry kind it is drawn as,
    and which resident-facing attributes it carries."""

    class Kind(models.TextChoices):
        POINT = "point", _("point")
        LINE = "line", _("line")
        POLYGON = "polygon", _("polygon")

    GEOMETRY_TYPES = {
        Kind.POINT: ("Point",),
        Kind.LINE: ("LineString", "MultiLineString"),
        Kind.POLYGON: ("Polygon", "MultiPolygon"),
    }

    family = models.ForeignKey(AssetFamily, on_delete=models.PROTECT, related_name="types", verbose_name=_("family"))
    code = models.CharField(_("code"), max_length=2)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    geometry_kind = models.CharField(_("geometry kind"), max_length=10, choices=Kind.choices)
    has_opening_hours = models.BooleanField(_("has opening hours"), default=False)
    has_capacity = models.BooleanField(_("has a capacity"), default=False)
    capacity_unit = models.CharField(_("capacity unit"), max_length=20, blank=True)
    accepts_sorting = models.BooleanField(_("takes sorted waste"), default=False)
    green_area = models.BooleanField(_("counts as green area"), default=False)
    adoptable = models.BooleanField(_("offered for adoption by default"), default=False)
    public = models.BooleanField(_("shown on the public map"), default=True)
    search_terms = models.CharField(
        _("other words for it"),
        max_length=300,
        blank=True,
        help_text=_("Words residents search with, separated by spaces, e.g. 公厕 厕所 卫生间."),
    )

    objects = TypeManager()

    class Meta:
        verbose_name = _("asset type")
        verbose_name_plural = _("asset types")
        ordering = ["family__code", "code"]
        constraints = [models.UniqueConstraint(fields=["family", "code"], name="asset_type_code_unique")]

    def natural_key(self):
        return (self.family.code, self.code)

    natural_key.dependencies = ["assets.assetfamily"]

    @property
    def full_code(self):
        return f"{self.family.code}{self.code}"

    def __str__(self):
        return f"{self.full_code} {self.label}"

    def clean(self):
        super().clean()
        if not (len(self.code or "") == 2 and self.code.isdigit()):
            raise ValidationError({"code": gettext("A type code has exactly 2 digits.")})


SORTING_CHOICES = [
    ("recyclable", _("recyclables")),
    ("hazardous", _("hazardous waste")),
    ("kitchen", _("kitchen waste")),
    ("residual", _("residual waste")),
]


class AssetQuerySet(LocatedQuerySet):
    def refresh_measures(self):
        """Area (polygons) and length (lines) in metres on each row's UTM zone, in one UPDATE."""
        metric = UTMTransform("geom")
        dim = Func("geom", function="ST_Dimension", output_field=models.IntegerField())
        return self.update(
            area_m2=models.Case(
                models.When(Exact(dim, 2), then=Func(metric, function="ST_Area")),
                default=None,
                output_field=models.FloatField(),
            ),
            length_m=models.Case(
                models.When(Exact(dim, 1), then=Func(metric, function="ST_Length")),
                default=None,
                output_field=models.FloatField(),
            ),
        )

    def public(self):
        return self.filter(type__public=True)

    def green(self):
        return self.filter(type__green_area=True)


class UTMTransform(Func):
    """ST_Transform of a 4326 geometry onto the WGS 84 UTM zone of its own centroid (metres)."""

    output_field = models.GeometryField(srid=0)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        zone = (
            f"((CASE WHEN ST_Y(ST_Centroid({sql})) >= 0 THEN 32600 ELSE 32700 END)"
            f" + (floor((ST_X(ST_Centroid({sql})) + 180) / 6)::int %% 60) + 1)"
        )
        return f"ST_Transform({sql}, {zone})", [*params, *params, *params]


class Asset(Located, TimeStampedModel):
    """A component on the map, identified by 16 digits: 6 county + 2 family + 2 type + 6 serial."""

    class Condition(models.TextChoices):
        GOOD = "good", _("good")
        DAMAGED = "damaged", _("damaged")
        MISSING = "missing", _("missing")
        REPAIR = "repair", _("under repair")

    identifier = models.CharField(_("identifier"), max_length=16, unique=True, editable=False)
    serial = models.PositiveIntegerField(_("serial"), editable=False)
    type = models.ForeignKey(AssetType, on_delete=models.PROTECT, related_name="assets", verbose_name=_("type"))
    name = models.CharField(_("name"), max_length=100)
    geom = models.GeometryField(_("geometry"), srid=STORAGE_SRID)
    # Point on the geometry: cell assignment, nearest-facility search and markers use it.
    anchor = models.PointField(_("anchor point"), srid=STORAGE_SRID, editable=False)
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices, default=Condition.GOOD)
    owner = models.CharField(_("owner"), max_length=100, blank=True)
    department = models.CharField(_("responsible department"), max_length=100, blank=True)
    open_24h = models.BooleanField(_("open 24 hours"), default=False)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    accessible = models.BooleanField(_("barrier-free access"), null=True, blank=True)
    sorting = ArrayField(
        models.CharField(max_length=20, choices=SORTING_CHOICES),
        verbose_name=_("sorting categories accepted"),
        default=list,
        blank=True,
    )
    open_for_adoption = models.BooleanField(_("open for adoption"), default=False)
    note = models.TextField(_("note"), blank=True)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True, editable=False)
    length_m = models.FloatField(_("length (m)"), null=True, blank=True, editable=False)
    district = models.ForeignKey(
        "grids.District",
        on_delete=models.PROTECT,
        related_name="assets",
        editable=False,
        verbose_name=_("district"),
    )

    objects = AssetQuerySet.as_manager()
    location_field = "anchor"

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["identifier"]
        constraints = [models.UniqueConstraint(fields=["district", "type", "serial"], name="asset_serial_unique")]
        indexes = [models.Index(fields=["type", "condition"])]

    def __str__(self):
        return f"{self.name} ({self.identifier})" if self.identifier else self.name

    # --- rules -------------------------------------------------------------------------
    def clean(self):
        super().clean()
        if not self.type_id:
            return
        kind = self.type.geometry_kind
        validate_geometry(self.geom, kinds=AssetType.GEOMETRY_TYPES[kind], label=gettext("Geometry"))
        self.district_for_geometry(raise_error=True)
        errors = {}
        if not self.type.has_opening_hours and (self.open_24h or self.opens_at or self.closes_at):
            errors["opens_at"] = gettext("%(type)s has no opening hours.") % {"type": self.type.label}
        elif not self.open_24h and bool(self.opens_at) != bool(self.closes_at):
            errors["closes_at"] = gettext("Give both the opening and the closing time, or neither.")
        if self.capacity is not None and not self.type.has_capacity:
            errors["capacity"] = gettext("%(type)s has no capacity.") % {"type": self.type.label}
        if self.sorting and not self.type.accepts_sorting:
            errors["sorting"] = gettext("%(type)s does not take sorted waste.") % {"type": self.type.label}
        if self.sorting and len(set(self.sorting)) != len(self.sorting):
            errors["sorting"] = gettext("Each sorting category once only.")
        if errors:
            raise ValidationError(errors)

    def district_for_geometry(self, raise_error=False):
        """The district that covers the whole geometry; a clear error when there is none."""
        from grids.models import District

        if self.geom is None:
            return None
        district = District.objects.filter(boundary__covers=self.geom).order_by("id").first()
        if district is None and raise_error:
            near = District.objects.filter(boundary__intersects=self.geom).first()
            if near is not None:
                msg = gettext("The geometry crosses the boundary of %(district)s; keep it inside the district.") % {
                    "district": near
                }
            else:
                msg = gettext("The geometry lies outside every district (%(x).5f, %(y).5f).") % {
                    "x": self.geom.centroid.x,
                    "y": self.geom.centroid.y,
                }
            raise ValidationError({"geom": msg}, code="outside")
        return district

    def save(self, *args, **kwargs):
        if self.geom is not None:
            self.anchor = self.geom if self.geom.geom_type == "Point" else self.geom.point_on_surface
            kind = self.type.geometry_kind
            self.area_m2 = to_metric(self.geom).area if kind == AssetType.Kind.POLYGON else None
            self.length_m = to_metric(self.geom).length if kind == AssetType.Kind.LINE else None
        with transaction.atomic():
            if not self.identifier:
                self.district = self.district_for_geometry(raise_error=True)
                self.assign_identifier()
            super().save(*args, **kwargs)
            self.assign_cell()

    def assign_identifier(self):
        # Serialise numbering per type: the type row is locked until the transaction ends.
        AssetType.objects.select_for_update().filter(pk=self.type_id).first()
        last = Asset.objects.filter(district=self.district, type=self.type).aggregate(m=Max("serial"))["m"] or 0
        self.serial = last + 1
        if self.serial > 999_999:
            raise ValidationError(gettext("No serial numbers left for this type in this district."))
        self.identifier = f"{self.district.code}{self.type.full_code}{self.serial:06d}"

    # --- what a resident asks ------------------------------------------------------------
    def is_open_at(self, moment=None):
        """True/False when the asset has opening hours, None when it does not say."""
        if not self.type.has_opening_hours:
            return None
        if self.open_24h:
            return True
        if not (self.opens_at and self.closes_at):
            return None
        moment = timezone.localtime(moment) if moment else timezone.localtime()
        now = moment.time()
        if self.opens_at <= self.closes_at:
            return self.opens_at <= now < self.closes_at
        return now >= self.opens_at or now < self.closes_at  # open across midnight

    @property
    def opening_hours(self):
        if self.open_24h:
            return gettext("open 24 hours")
        if self.opens_at and self.closes_at:
            return f"{self.opens_at:%H:%M}–{self.closes_at:%H:%M}"
        return ""

    def sorting_labels(self):
        names = dict(SORTING_CHOICES)
        return [str(names[s]) for s in self.sorting if s in names]

    def active_adoption(self, day=None):
        return self.adoptions.active_on(day or timezone.localdate()).first()


class AssetPhoto(TimeStampedModel):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="photos", verbose_name=_("asset"))
    image = models.ImageField(_("photo"), upload_to="assets/photos/%Y/%m/", validators=[validate_photo])
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("uploaded by")
    )

    class Meta:
        verbose_name = _("asset photo")
        verbose_name_plural = _("asset photos")
        ordering = ["-created_at"]

    def __str__(self):
        return self.caption or self.image.name


class Inspection(TimeStampedModel):
    """An inspection of one asset: who, when, the condition found, a photo. The asset takes that condition."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("asset"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="asset_inspections",
        verbose_name=_("inspector"),
    )
    inspected_at = models.DateTimeField(_("inspected at"), default=timezone.now)
    condition = models.CharField(_("condition found"), max_length=10, choices=Asset.Condition.choices)
    note = models.TextField(_("note"), blank=True)
    photo = models.ImageField(
        _("photo"), upload_to="assets/inspections/%Y/%m/", blank=True, validators=[validate_photo]
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_at"]

    def __str__(self):
        return f"{self.asset} · {self.inspected_at:%Y-%m-%d} · {self.get_condition_display()}"

    def clean(self):
        super().clean()
        if self.inspected_at and self.inspected_at > timezone.now() + timedelta(minutes=5):
            raise ValidationError(gettext("An inspection cannot be logged in the future."), code="future")

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            latest = self.asset.inspections.order_by("-inspected_at", "-id").first()
            if latest and latest.pk == self.pk:
                Asset.objects.filter(pk=self.asset_id).update(condition=self.condition)


# --- adoption ---------------------------------------------------------------------------


class AdoptionQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(status=Adoption.Status.APPROVED, start__lte=day, end__gte=day)

    def with_flags(self, day=None):
        """Annotate last maintenance date, and the expired / lapsed flags of approved adoptions."""
        day = day or timezone.localdate()
        lapse = timedelta(days=settings.ASSETS["ADOPTION_LAPSE_DAYS"])
        qs = self.annotate(last_maintained=Max("logs__date"))
        approved = Q(status=Adoption.Status.APPROVED)
        return qs.annotate(
            is_expired=models.ExpressionWrapper(approved & Q(end__lt=day), output_field=models.BooleanField()),
            is_lapsed=models.ExpressionWrapper(
                approved
                & Q(end__gte=day)
                & Q(start__lte=day - lapse)
                & (Q(last_maintained__isnull=True) | Q(last_maintained__lt=day - lapse)),
                output_field=models.BooleanField(),
            ),
        )


class DateRange(Func):
    function = "DATERANGE"
    output_field = DateRangeField()


class Adoption(Masked, TimeStampedModel):
    """认领/认养: a household or an organisation looks after an asset for a period, under an agreement."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class AdopterKind(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        ORGANISATION = "organisation", _("organisation")

    PERSONAL_FIELDS = {"adopter_name": mask_name, "contact_phone": mask_phone}

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="adoptions", verbose_name=_("asset"))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adoptions", verbose_name=_("applicant")
    )
    adopter_kind = models.CharField(
        _("adopter"), max_length=20, choices=AdopterKind.choices, default=AdopterKind.HOUSEHOLD
    )
    adopter_name = models.CharField(_("adopter name"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20, validators=[validate_phone])
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    agreement = models.TextField(_("agreement"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)

    objects = AdoptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="adoption_period_order"),
            # The database itself keeps approved periods of one asset apart.
            ExclusionConstraint(
                name="adoption_no_overlap",
                expressions=[("asset", RangeOperators.EQUAL), (DateRange("start", "end", models.Value("[]")), "&&")],
                condition=Q(status="approved"),
            ),
        ]

    def __str__(self):
        return f"{self.asset.name} · {self.start}–{self.end}"

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": gettext("The end date is before the start date.")})
        if self.asset_id and not self.asset.open_for_adoption and not self.pk:
            raise ValidationError(gettext("%(asset)s is not open for adoption.") % {"asset": self.asset}, code="closed")
        if self.asset_id and self.start and self.end and self.status in (self.Status.PENDING, self.Status.APPROVED):
            clash = self.overlapping().first()
            if clash:
                raise ValidationError(
                    gettext(
                        "%(asset)s is already adopted from %(start)s to %(end)s; "
                        "an asset has one adoption at a time, choose a period after %(end)s."
                    )
                    % {"asset": self.asset.name, "start": clash.start, "end": clash.end},
                    code="overlap",
                )

    def overlapping(self):
        return (
            Adoption.objects.filter(asset_id=self.asset_id, status=self.Status.APPROVED)
            .exclude(pk=self.pk)
            .filter(start__lte=self.end, end__gte=self.start)
            .order_by("start")
        )

    def review(self, user, approve, note=""):
        """Approve or reject a pending application; approval re-checks the one-adoption-at-a-time rule. Only staff
        who may change adoptions in the asset's area review (accounts.policy)."""
        from accounts import policy

        policy.require(user, "change", self)
        if self.status != self.Status.PENDING:
            raise ValidationError(gettext("Only a pending application can be reviewed."))
        with transaction.atomic():
            Asset.objects.select_for_update().filter(pk=self.asset_id).first()
            self.status = self.Status.APPROVED if approve else self.Status.REJECTED
            self.reviewed_by = user
            self.reviewed_at = timezone.now()
            self.review_note = note
            self.full_clean()
            self.save()

    @property
    def period_days(self):
        return (self.end - self.start).days + 1


class MaintenanceLog(TimeStampedModel):
    """What an adopter did, when, with a photo."""

    adoption = models.ForeignKey(Adoption, on_delete=models.CASCADE, related_name="logs", verbose_name=_("adoption"))
    date = models.DateField(_("date"), default=timezone.localdate)
    work = models.CharField(_("work done"), max_length=300)
    photo = models.ImageField(
        _("photo"), upload_to="assets/maintenance/%Y/%m/", blank=True, validators=[validate_photo]
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("logged by")
    )

    class Meta:
        verbose_name = _("maintenance log")
        verbose_name_plural = _("maintenance logs")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date} · {self.work}"

    def clean(self):
        super().clean()
        if self.adoption_id and self.date:
            a = self.adoption
            if a.status != Adoption.Status.APPROVED:
                raise ValidationError(gettext("Maintenance is logged on an approved adoption only."))
            if not (a.start <= self.date <= a.end):
                raise ValidationError(
                    {
                        "date": gettext("The date must fall within the adoption (%(start)s–%(end)s).")
                        % {"start": a.start, "end": a.end}
                    }
                )
            if self.date > timezone.localdate():
                raise ValidationError({"date": gettext("Maintenance cannot be logged in the future.")})
