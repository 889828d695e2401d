"""The access policy: who may read, create, change and delete which records, and where.

What a user may do comes from the roles of their memberships (each role is a group whose permissions
`manage.py setup_roles` sets); where they may do it comes from the area of the same membership: a district, a
street, a community, a grid cell, their own household or their department. A permission counts only inside the
area of a membership whose role carries it, so the policy **fails closed**: a user holding permissions without a
membership (or a role without an area) reaches nothing. Administrators (superusers and the admin role) reach
everything.

Apps say where their records sit with `register(Model, Place(...))` in their AppConfig.ready() (the registry is
common.places, re-exported here, so grids — below accounts — registers its units without importing accounts);
this module imports no app above it. Every API viewset, page, export and service that reads or writes asks it:

    policy.scope(user, "change", queryset)     # the records of the queryset the user may change
    policy.allows(user, "change", obj)          # one record (read from the database: derived fields count)
    policy.require(user, "change", obj)         # the same, raising PermissionDenied with the reason
    policy.save_checked(user, "change", save)   # a save in one transaction, refused when it lands outside the area

Actions are "view", "add", "change", "delete" (the model's own permissions) or a full permission name such as
"cases.dispatch_case" or "grids.reveal_personal_data".
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import ROLE_GROUPS, Membership, Role
from common.places import PUBLIC_READ, REGISTRY, Place, place_of, register  # noqa: F401 (the policy's vocabulary)

NOTHING = Q(pk__in=[])


def perm_name(model, action):
    if "." in action:
        return action
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


# --- the user's grants: role + area, read once per request ------------------------------------------------------
@dataclass
class Grant:
    role: str
    district: int | None = None
    street: int | None = None
    community: int | None = None
    cell: int | None = None
    household: int | None = None
    department: str = ""
    unit_boundary: object = field(default=None, repr=False, compare=False)  # read once, for geometry-placed models

    @property
    def level(self):
        for level in ("cell", "community", "street", "district"):
            if getattr(self, level):
                return level
        return None


@dataclass
class Grants:
    user: object
    admin: bool = False
    grants: list = field(default_factory=list)
    role_perms: dict = field(default_factory=dict)
    extra_perms: frozenset = frozenset()

    def for_perm(self, perm):
        if perm in self.extra_perms:
            return self.grants
        return [g for g in self.grants if perm in self.role_perms.get(g.role, ())]

    @property
    def perms(self):
        """Every permission the user holds somewhere."""
        held = set(self.extra_perms) if self.grants else set()
        for grant in self.grants:
            held |= self.role_perms.get(grant.role, set())
        return held


def role_permissions():
    """{role: {"app.codename", …}} from the role groups."""
    from django.contrib.auth.models import Group

    by_group = {name: role for role, name in ROLE_GROUPS.items()}
    result = {role: set() for role in ROLE_GROUPS}
    rows = Group.objects.filter(name__in=by_group).values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    )
    for name, app, codename in rows:
        if codename:
            result[by_group[name]].add(f"{app}.{codename}")
    # A role whose group has not been set up (`manage.py setup_roles`) holds what the role spec says.
    from accounts.roles import role_spec_permissions

    for role, perms in result.items():
        if not perms:
            perms.update(f"{p.content_type.app_label}.{p.codename}" for p in role_spec_permissions(role))
    return result


def extra_permissions(user):
    """Permissions given to the user directly or through groups that are not roles: they widen what the user does,
    never where — they apply within the areas of the user's memberships only."""
    from django.contrib.auth.models import Permission

    rows = Permission.objects.filter(
        Q(user=user) | (Q(group__user=user) & ~Q(group__name__in=list(ROLE_GROUPS.values())))
    ).values_list("content_type__app_label", "codename")
    return {f"{app}.{codename}" for app, codename in rows}


def grants_of(user) -> Grants:
    """The user's roles with their areas (memberships, community manager links and today's cell assignments)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Grants(user=user)
    cached = getattr(user, "_policy_grants", None)
    if cached is not None:
        return cached
    memberships = list(Membership.objects.filter(user=user))
    admin = user.is_superuser or any(m.role == Role.ADMIN for m in memberships)
    grants = [
        Grant(
            m.role,
            m.district_id,
            m.street_id,
            m.community_id,
            m.cell_id,
            m.household_id,
            (m.department or "").strip(),
        )
        for m in memberships
        if m.role != Role.ADMIN
    ]
    # Fail closed: a membership without an area (none saved through clean(), but rows can be made otherwise)
    # grants nothing.
    grants = [g for g in grants if g.level or g.household or g.department]
    from django.apps import apps

    # Who may reach what is read on the primary, also in a request whose other reads go to a replica: a manager
    # removed a moment ago, or an assignment just ended, must not reach on while the standby catches up.
    Community = apps.get_model("grids", "Community")
    managed = Community.objects.using(DEFAULT_DB_ALIAS).filter(managers=user).values_list("pk", flat=True)
    grants += [Grant(Role.MANAGER, community=pk) for pk in managed]
    # A grid worker holds the cells assigned to them today (the assignment history says who held what when).
    grants += [Grant(Role.WORKER, cell=pk) for pk in worker_cells(user).using(DEFAULT_DB_ALIAS)]
    result = Grants(
        user=user,
        admin=admin,
        grants=grants,
        role_perms=role_permissions() if grants else {},
        extra_perms=frozenset(extra_permissions(user)) if grants else frozenset(),
    )
    user._policy_grants = result
    return result


def forget(user):
    """Drop what was read for this user object (after their memberships change): the grants and Django's
    permission caches."""
    for attr in ("_policy_grants", "_perm_cache", "_group_perm_cache", "_user_perm_cache", "_policy_all_perms"):
        user.__dict__.pop(attr, None)


def is_admin(user):
    return grants_of(user).admin


# --- the answer -------------------------------------------------------------------------------------------------
def _unit_boundary(level, pk):
    from django.apps import apps

    model = apps.get_model(
        "grids", {"district": "District", "street": "Street", "community": "Community"}.get(level, "GridCell")
    )
    return model.objects.filter(pk=pk).values_list("boundary", flat=True).first()


def area_q(user, action, model) -> Q | None:
    """Q of the records of `model` the user may take `action` on; None means all of them."""
    place = place_of(model)
    perm = perm_name(model, action)
    g = grants_of(user)
    if g.admin:
        return None
    if place.catalogue and action == "view":
        return None
    if action in place.public and place.public_only is None:
        return None
    if action in place.admin_only or place.catalogue:
        return NOTHING
    parts = [place.public_only] if action in place.public else []
    parts += [_grant_q(place, grant, action) for grant in g.for_perm(perm)]
    if place.owner is not None and getattr(user, "is_authenticated", False):
        parts.append(place.owner(user, action))
    parts = [p for p in parts if p is not None and p != NOTHING]
    if not parts:
        return NOTHING
    q = parts[0]
    for p in parts[1:]:
        q |= p
    return q


def _grant_q(place, grant, action):
    level = grant.level
    if level is not None:
        path = place.path(level)
        if path:
            return Q(**{path: getattr(grant, level)})
        if place.geometry:
            if grant.unit_boundary is None:
                grant.unit_boundary = _unit_boundary(level, getattr(grant, level))
            boundary = grant.unit_boundary
            if boundary is None:
                return NOTHING
            lookup = "intersects" if action == "view" else "coveredby"
            return Q(**{f"{place.geometry}__{lookup}": boundary})
        return NOTHING
    if grant.household and place.household:
        return Q(**{place.household: grant.household})
    if grant.department and place.department:
        return Q(**{place.department: grant.department})
    return NOTHING


def scope(user, action, queryset):
    """The records of `queryset` the user may take `action` on."""
    q = area_q(user, action, queryset.model)
    if q is None:
        return queryset
    if q == NOTHING:
        return queryset.none()
    # Joins through to-many paths (owner rules) could repeat rows: filter by key instead.
    return queryset.filter(pk__in=queryset.model._default_manager.filter(q).values("pk"))


def allows(user, action, obj) -> bool:
    """May the user take `action` on this saved record (as the database holds it now)?"""
    model = type(obj)
    q = area_q(user, action, model)
    if q is None:
        return True
    if q == NOTHING or obj.pk is None:
        return False
    manager = getattr(model, "all_objects", model._default_manager)
    return manager.filter(q, pk=obj.pk).exists()


def reaches(user, perm, *, district=None, street=None, community=None, cell=None) -> bool:
    """Does a grant carrying `perm` cover the unit given by its chain of ids (a community: its district, street
    and own id)? What pages about one unit ask (its dashboard, its split tool, its assignments)."""
    g = grants_of(user)
    if g.admin:
        return True
    chain = {"district": district, "street": street, "community": community, "cell": cell}
    return any(
        grant.level is not None and chain[grant.level] is not None and chain[grant.level] == getattr(grant, grant.level)
        for grant in g.for_perm(perm)
    )


def reaches_community(user, perm, community) -> bool:
    """Does a grant of `user` carrying `perm` cover this community (its own, its street's or its district's)?"""
    return reaches(
        user, perm, district=community.street.district_id, street=community.street_id, community=community.pk
    )


def department_handlers(department):
    """The active accounts through which a department acts: those with the handler role in that department."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(memberships__role=Role.HANDLER, memberships__department=department, is_active=True)
        .distinct()
    )


def worker_cells(user):
    """Ids of the grid cells the user holds today as a grid worker, as a lazy query (usable as a subquery)."""
    from django.apps import apps
    from django.utils import timezone

    GridAssignment = apps.get_model("grids", "GridAssignment")
    return GridAssignment.objects.filter(worker=user).active_on(timezone.localdate()).values_list("cell", flat=True)


def handled_departments(user):
    """The departments the user acts for with the handler role, as a lazy query of names (usable as a subquery)."""
    return (
        Membership.objects.filter(user=user, role=Role.HANDLER)
        .exclude(department="")
        .values_list("department", flat=True)
    )


def manages_community(user, community) -> bool:
    """Whoever may change a community's cells (its managers, those of its street or district, and administrators)
    assigns its workers and draws its responsibility areas."""
    return reaches_community(user, "grids.change_gridcell", community)


def communities(user, perm):
    """The communities where the user holds `perm` (their own, or all of their street or district): what a page
    offers to choose from before anything is drawn in one."""
    from django.apps import apps

    Community = apps.get_model("grids", "Community")
    g = grants_of(user)
    if g.admin:
        return Community.objects.all()
    paths = {"district": "street__district", "street": "street", "community": "pk", "cell": "cells"}
    q = None
    for grant in g.for_perm(perm):
        if grant.level:
            one = Q(**{paths[grant.level]: getattr(grant, grant.level)})
            q = one if q is None else q | one
    if q is None:
        return Community.objects.none()
    return Community.objects.filter(pk__in=Community.objects.filter(q).values("pk"))


def holds(user, perm) -> bool:
    """Does the user hold `perm` through some role with an area (or as administrator)? What a staff page asks
    before listing what `scope` then narrows."""
    g = grants_of(user)
    return g.admin or any(grant.level or grant.department or grant.household for grant in g.for_perm(perm))


def may_somewhere(user, action, model) -> bool:
    """Does the user hold `action` on `model` in any area at all (what a create form or a nav link asks)?"""
    q = area_q(user, action, model)
    return q is None or q != NOTHING


def denied_message(action, obj_or_model):
    meta = obj_or_model._meta
    verbs = {
        "view": pgettext("access action", "read"),
        "add": pgettext("access action", "create"),
        "change": pgettext("access action", "change"),
        "delete": pgettext("access action", "delete"),
    }
    return _("You may not %(action)s this %(what)s: it lies outside your area or your role does not allow it.") % {
        "action": verbs.get(action, pgettext("access action", "act on")),
        "what": meta.verbose_name,
    }


def require(user, action, obj):
    if not allows(user, action, obj):
        raise PermissionDenied(denied_message(action, obj))


def save_checked(user, action, save):
    """Run `save()` (which returns the saved record) in one transaction and check the record as the database now
    holds it — with the community and cell its geometry gave it — against the user's area; refused, nothing stays.
    The record's area before the change is checked by the caller when it looks the record up."""
    with transaction.atomic():
        saved = save()
        require(user, action, saved)
    return saved


def may_link_user_accounts(user):
    """Only administrators link a record (a responsible party) to a user account."""
    return is_admin(user)
