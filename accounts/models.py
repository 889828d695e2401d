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
