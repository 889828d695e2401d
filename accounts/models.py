"""Roles are groups plus an area scope: what a user sees and changes follows from their memberships."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel


class Role(models.TextChoices):
    ADMIN = "admin", _("system administrator")
    MANAGER = "manager", _("district / street / community manager")
    DISPATCHER = "dispatcher", _("dispatcher")
    WORKER = "worker", _("grid worker")
    HANDLER = "handler", _("department handler")
    PLANNER = "planner", _("planner")
    RESIDENT = "resident", _("registered resident")


# Group name of each role (the permissions each group carries are set by `manage.py setup_roles`).
ROLE_GROUPS = {
    Role.ADMIN: "administrators",
    Role.MANAGER: "community managers",
    Role.DISPATCHER: "dispatchers",
    Role.WORKER: "grid workers",
    Role.HANDLER: "department handlers",
    Role.PLANNER: "planners",
    Role.RESIDENT: "residents",
}


class Membership(TimeStampedModel):
    """A user's role over an area: a district, a street, a community or a grid cell (and everything below it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    district = models.ForeignKey(
        "grids.District", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("district")
    )
    street = models.ForeignKey(
        "grids.Street", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("street")
    )
    community = models.ForeignKey(
        "grids.Community", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("community")
    )
    cell = models.ForeignKey(
        "grids.GridCell", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("grid cell")
    )
    household = models.ForeignKey(
        "grids.Household",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("own household"),
        help_text=_("For registered residents: the household they belong to."),
    )
    department = models.CharField(_("department"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user", "role"]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.scope_label}"

    @property
    def scope_label(self):
        for f in ("cell", "community", "street", "district", "household"):
            obj = getattr(self, f)
            if obj is not None:
                return str(obj)
        return self.department or gettext("everywhere")

    def clean(self):
        super().clean()
        scopes = [f for f in ("district", "street", "community", "cell") if getattr(self, f"{f}_id")]
        if len(scopes) > 1:
            raise ValidationError(gettext("Give one area: a district, a street, a community or a grid cell."))
        if self.role == Role.RESIDENT and not self.household_id:
            raise ValidationError({"household": gettext("A resident's membership names their household.")})
        if self.role == Role.HANDLER and not (scopes or self.department.strip()):
            raise ValidationError({"department": gettext("A handler's membership names their department.")})
        if self.role in (Role.MANAGER, Role.DISPATCHER, Role.WORKER, Role.PLANNER) and not scopes:
            # Access fails closed: a role without an area reaches nothing, so it is not saved without one.
            raise ValidationError(gettext("This role needs an area."))

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from django.contrib.auth.models import Group

        group, _created = Group.objects.get_or_create(name=ROLE_GROUPS[self.role])
        self.user.groups.add(group)
        from accounts import policy

        policy.forget(self.user)


class AccessToken(TimeStampedModel):
    """A personal access token for QGIS, GDAL and scripts (`Authorization: Bearer <token>` on /api/ and /ogc/).

    The token itself is shown once when it is made; only its SHA-256 digest is kept (a token is 32 random bytes,
    so a fast digest cannot be searched backwards). `prefix` is the public part that names it in lists and logs.
    A token acts for its user with the same area rules, read-only or read-write; `verified` records that it was
    made in a session verified by the second factor (tokens without it stop working once the user needs one)."""

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        WRITE = "write", _("read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. “QGIS on my laptop”."))
    prefix = models.CharField(_("token prefix"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    verified = models.BooleanField(_("made with the second factor"), default=False, editable=False)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def status(self):
        from django.utils import timezone

        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"
