"""The administrative hierarchy and the grid: district → street → community → grid cell → building → household."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.geometry import as_multipolygon, validate_geometry
from common.masking import Masked, mask_id_number, mask_name, mask_phone
from common.models import AliveManager, SoftDeleteModel, SoftDeleteQuerySet, TimeStampedModel
from common.validators import validate_3_digits, validate_6_digits, validate_id_number, validate_phone

POLYGONAL = ("Polygon", "MultiPolygon")


class Division(TimeStampedModel):
    """Common shape of the administrative levels: a coded polygon inside its parent."""

    name = models.CharField(_("name"), max_length=100)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)

    parent_field = None

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.full_code})"

    @property
    def parent(self):
        return getattr(self, self.parent_field) if self.parent_field else None

    def clean(self):
        super().clean()
        self.boundary = as_multipolygon(self.boundary)
        validate_geometry(self.boundary, kinds=("MultiPolygon",), label=gettext("Boundary"))
        parent = self.parent if self.parent_field and getattr(self, f"{self.parent_field}_id") else None
        if parent is not None:
            from grids.topology import outside_area_m2

            outside = outside_area_m2(self.boundary, parent.boundary)
            if outside > settings.GRIDWORK["TILING_TOLERANCE_M2"]:
                raise ValidationError(
                    {
                        "boundary": gettext("%(area).1f m² of this boundary lies outside %(parent)s.")
                        % {"area": outside, "parent": parent}
                    }
                )


class District(Division):
    """区/县, coded by GB/T 2260 (6 digits)."""

    code = models.CharField(_("code"), max_length=6, unique=True, validators=[validate_6_digits])

    class Meta(Division.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    @property
    def full_code(self):
        return self.code


class Street(Division):
    """街道/乡镇: 3 digits within its district."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("district"))
    code = models.CharField(_("code"), max_length=3, validators=[validate_3_digits])
    parent_field = "district"

    class Meta(Division.Meta):
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["district__code", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="street_code_unique")]

    @property
    def full_code(self):
        return f"{self.district.code}{self.code}"


class Community(Division):
    """社区/行政村: 3 digits within its street."""

    class Kind(models.TextChoices):
        URBAN = "urban", _("urban community")
        RURAL = "rural", _("administrative village")

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street"))
    code = models.CharField(_("code"), max_length=3, validators=[validate_3_digits])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.URBAN)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_communities", verbose_name=_("managers")
    )
    parent_field = "street"

    class Meta(Division.Meta):
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["street__district__code", "street__code", "code"]
        constraints = [models.UniqueConstraint(fields=["street", "code"], name="community_code_unique")]

    @property
    def full_code(self):
        return f"{self.street.district.code}{self.street.code}{self.code}"


class GridCell(TimeStampedModel):
    """网格: a unit grid of a community, coded 6 county + 3 street + 3 community + 3 serial."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="cells", verbose_name=_("community")
    )
    serial = models.PositiveSmallIntegerField(_("serial"), editable=False)
    code = models.CharField(_("code"), max_length=15, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, blank=True)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)

    class Meta:
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["community", "serial"], name="cell_serial_unique")]

    def __str__(self):
        return self.name or self.code

    def clean(self):
        super().clean()
        self.boundary = as_multipolygon(self.boundary)
        validate_geometry(self.boundary, kinds=("MultiPolygon",), label=gettext("Boundary"))
        if self.community_id:
            from grids.topology import check_cell_change

            problems = check_cell_change(self.community, {self.pk: self.boundary}, label=self.code or None)
            if problems:
                raise ValidationError({"boundary": [p.message for p in problems]})

    def save(self, *args, **kwargs):
        self.boundary = as_multipolygon(self.boundary)
        if not self.serial:
            last = GridCell.objects.filter(community=self.community).aggregate(m=Max("serial"))["m"] or 0
            self.serial = last + 1
        if not self.code:
            self.code = f"{self.community.full_code}{self.serial:03d}"
        super().save(*args, **kwargs)

    def workers_on(self, day=None):
        day = day or timezone.localdate()
        return [a.worker for a in self.assignments.active_on(day).select_related("worker")]


class AssignmentQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(Q(start__lte=day), Q(end__isnull=True) | Q(end__gte=day))

    def primary_first(self):
        """The primary worker before the helpers (the roles' codes sort the other way), then the longest held."""
        primary = models.Case(models.When(role="primary", then=models.Value(0)), default=models.Value(1))
        return self.order_by(primary, "start", "pk")


class GridAssignment(TimeStampedModel):
    """A grid worker's responsibility for a cell over a period (one primary, optional helpers)."""

    class Role(models.TextChoices):
        PRIMARY = "primary", _("primary worker")
        HELPER = "helper", _("helper")

    cell = models.ForeignKey(
        GridCell, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("grid cell")
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grid_assignments", verbose_name=_("worker")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PRIMARY)
    start = models.DateField(_("start"), default=timezone.localdate)
    end = models.DateField(_("end"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        ordering = ["cell__code", "-start"]

    def __str__(self):
        return f"{self.cell} · {self.worker} ({self.get_role_display()})"

    def clean(self):
        super().clean()
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": gettext("The end date is before the start date.")})
        if self.role == self.Role.PRIMARY and self.cell_id:
            clash = GridAssignment.objects.filter(cell_id=self.cell_id, role=self.Role.PRIMARY).exclude(pk=self.pk)
            clash = clash.filter(Q(end__isnull=True) | Q(end__gte=self.start))
            if self.end:
                clash = clash.filter(start__lte=self.end)
            first = clash.select_related("worker").first()
            if first:
                raise ValidationError(
                    gettext("Cell %(cell)s already has a primary worker (%(worker)s) from %(start)s in this period.")
                    % {"cell": self.cell, "worker": first.worker, "start": first.start}
                )


class Road(TimeStampedModel):
    """A street centreline: the network against which street responsibility (责任路段) coverage is measured."""

    class Kind(models.TextChoices):
        MAIN = "main", _("main road")
        BRANCH = "branch", _("branch road")
        LANE = "lane", _("lane")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BRANCH)
    line = models.LineStringField(_("centreline"), srid=4326)

    class Meta:
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        validate_geometry(self.line, kinds=("LineString",), label=gettext("Centreline"))


class Compound(TimeStampedModel):
    """小区: a residential compound inside a community."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("ordinary")
        AFFORDABLE = "affordable", _("affordable housing")
        PUBLIC_RENTAL = "public_rental", _("public rental housing")
        RESETTLEMENT = "resettlement", _("resettlement")
        THREE_NO = "three_no", _("'three-no' compound")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="compounds", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ORDINARY)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["community", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.boundary = as_multipolygon(self.boundary)
        validate_geometry(self.boundary, kinds=("MultiPolygon",), label=gettext("Boundary"))


class LocatedQuerySet(models.QuerySet):
    def assign_cells(self):
        """Set cell and community of every row from its location, in one UPDATE (see grids.assignment)."""
        from grids.assignment import assign_cells

        return assign_cells(self)


class SoftDeleteLocatedQuerySet(SoftDeleteQuerySet, LocatedQuerySet):
    pass


class PlaceKey(models.ForeignKey):
    """The cell / community key of `Located`. Its related name is "%(class)ss" (buildings, households, assets,
    cases, …); migrations read it as the plain ForeignKey with the name it resolves to, as each model declared it
    before the fields moved here, so moving them changed no migration."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        if not cls._meta.abstract:
            self._related_name = self.remote_field.related_name

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ForeignKey", args, kwargs


class Located(models.Model):
    """A record that sits in a grid cell and its community, found from its point (the field named by
    `location_field`). Buildings, households and assets are assigned in bulk after they are saved (`assign_cell`,
    `LocatedQuerySet.assign_cells`: outside every cell they keep the community that covers them, or none)."""

    cell = PlaceKey(
        GridCell,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="%(class)ss",
        verbose_name=_("grid cell"),
    )
    community = PlaceKey(
        Community,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="%(class)ss",
        verbose_name=_("community"),
    )

    objects = LocatedQuerySet.as_manager()
    location_field = "location"

    class Meta:
        abstract = True

    def assign_cell(self):
        """This row's cell and community from its location, set by one UPDATE and read back."""
        type(self).objects.filter(pk=self.pk).assign_cells()
        self.refresh_from_db(fields=["cell", "community"])


class Placed(Located):
    """A located record that must lie inside a community (cases, needs, disputes): its community and cell are set
    before it is saved (`place`), and a point outside every community is refused with `outside_message`."""

    community = PlaceKey(
        Community, on_delete=models.PROTECT, related_name="%(class)ss", editable=False, verbose_name=_("community")
    )

    objects = models.Manager()  # placed one by one before saving; no bulk assignment (the community is required)
    # The refusal of a point outside every community, in the model's own words: "… (%(x).6f, %(y).6f) …".
    outside_message = None

    class Meta:
        abstract = True

    def place(self):
        """Community and grid cell from the point (a point on a shared edge goes to the lowest id)."""
        point = getattr(self, self.location_field)
        cell = GridCell.objects.filter(boundary__covers=point).order_by("id").first()
        if cell is not None:
            self.cell, self.community_id = cell, cell.community_id
            return
        community = Community.objects.filter(boundary__covers=point).order_by("id").first()
        if community is None:
            raise ValidationError(
                {self.location_field: self.outside_message % {"x": point.x, "y": point.y}}, code="outside"
            )
        self.cell, self.community = None, community


class Building(Located, SoftDeleteModel, TimeStampedModel):
    """楼栋: footprint polygon with year built, storeys and units."""

    name = models.CharField(_("name"), max_length=100)
    compound = models.ForeignKey(
        Compound, on_delete=models.SET_NULL, null=True, blank=True, related_name="buildings", verbose_name=_("compound")
    )
    footprint = models.PolygonField(_("footprint"), srid=4326)
    # Point used for cell assignment: a point on the footprint's surface, kept in step on save.
    anchor = models.PointField(_("anchor point"), srid=4326, editable=False)
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    storeys = models.PositiveSmallIntegerField(_("storeys"), null=True, blank=True)
    units = models.PositiveSmallIntegerField(_("units"), null=True, blank=True)
    objects = AliveManager.from_queryset(SoftDeleteLocatedQuerySet)()
    all_objects = models.Manager.from_queryset(SoftDeleteLocatedQuerySet)()
    location_field = "anchor"

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        validate_geometry(self.footprint, kinds=("Polygon",), label=gettext("Footprint"))
        if self.year_built and not (1800 <= self.year_built <= timezone.localdate().year + 5):
            raise ValidationError({"year_built": gettext("Enter a year between 1800 and the next few years.")})
        from grids.topology import require_inside_some_community

        require_inside_some_community(self.footprint.point_on_surface, "footprint")

    def save(self, *args, **kwargs):
        if self.footprint is not None:
            self.anchor = self.footprint.point_on_surface
        super().save(*args, **kwargs)
        self.assign_cell()


class Household(Masked, Located, SoftDeleteModel, TimeStampedModel):
    """户: the register a grid worker keeps. Head's name, phone and ID number are personal data."""

    class Status(models.TextChoices):
        RESIDENT = "resident", _("resident")
        ABSENT = "absent", _("absent")

    class Toilet(models.TextChoices):
        SANITARY = "sanitary", _("sanitary toilet")
        DRY = "dry", _("dry toilet")
        NONE = "none", _("no toilet")

    class Courtyard(models.TextChoices):
        NONE = "none", _("not applied")
        APPLIED = "applied", _("applied")
        AWARDED = "awarded", _("awarded")

    PERSONAL_FIELDS = {"head_name": mask_name, "phone": mask_phone, "id_number": mask_id_number}
    # What the register says of a household, in the order its pages, forms and API show it.
    REGISTER_FIELDS = (
        "head_name",
        "phone",
        "id_number",
        "residents",
        "status",
        "elderly_alone",
        "low_income",
        "disabled",
        "party_center",
        "linked_center",
        "toilet",
        "courtyard",
    )

    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("building"),
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    head_name = models.CharField(_("head of household"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, validators=[validate_id_number])
    residents = models.PositiveSmallIntegerField(_("residents"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RESIDENT)
    elderly_alone = models.BooleanField(_("elderly living alone"), default=False)
    low_income = models.BooleanField(_("low income"), default=False)
    disabled = models.BooleanField(_("disabled member"), default=False)
    party_center = models.BooleanField(_("party-member centre household"), default=False)
    linked_center = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="linked_households",
        limit_choices_to={"party_center": True},
        verbose_name=_("linked centre household"),
    )
    toilet = models.CharField(_("toilet type"), max_length=10, choices=Toilet.choices, default=Toilet.SANITARY)
    courtyard = models.CharField(
        _("beautiful courtyard"), max_length=10, choices=Courtyard.choices, default=Courtyard.NONE
    )
    objects = AliveManager.from_queryset(SoftDeleteLocatedQuerySet)()
    all_objects = models.Manager.from_queryset(SoftDeleteLocatedQuerySet)()
    location_field = "location"
    MAX_LINKED = 10

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["community", "building", "unit", "room"]
        permissions = [("reveal_personal_data", _("Can reveal households' names, phones and ID numbers"))]

    def __str__(self):
        return self.door_plate or gettext("household %(id)s") % {"id": self.pk}

    @property
    def door_plate(self):
        parts = [str(self.building) if self.building_id else "", self.unit, self.room]
        return "-".join(p for p in parts if p) or self.address

    def clean(self):
        super().clean()
        if self.id_number:
            self.id_number = self.id_number.upper()
        if self.location is None and self.building_id:
            self.location = self.building.anchor
        if self.location is None:
            raise ValidationError({"location": gettext("Give the household a location or a building.")})
        validate_geometry(self.location, kinds=("Point",), label=gettext("Location"))
        from grids.topology import require_inside_some_community

        require_inside_some_community(self.location, "location")
        if self.linked_center_id:
            if self.linked_center_id == self.pk:
                raise ValidationError({"linked_center": gettext("A household cannot link to itself.")})
            if not self.linked_center.party_center:
                raise ValidationError(
                    {"linked_center": gettext("The linked household is not a party-member centre household.")}
                )
            taken = self.linked_center.linked_households.exclude(pk=self.pk).count()
            if taken >= self.MAX_LINKED:
                raise ValidationError(
                    {
                        "linked_center": gettext("That centre household already links %(n)s households (the limit).")
                        % {"n": taken}
                    }
                )

    def save(self, *args, **kwargs):
        if self.location is None and self.building_id:
            self.location = self.building.anchor
        super().save(*args, **kwargs)
        self.assign_cell()
