"""The handlers a dispatcher may pick besides the suggested ones, grouped by kind and sorted.

- departments: every department party, once per name (the oldest party of a name is the one routing uses);
- responsibility parties: the shops, organisations, people and households holding a responsibility area in the
  case's community;
- people: accounts with a handler role: department handlers, and the grid workers of the case's community.

Accounts without such a role (residents, planners, managers, administrators) are not offered, and nothing appears
twice, nor what the suggestion already lists.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@dataclass
class Group:
    key: str
    label: object
    options: list  # [(value, label)], sorted by label


def _sorted(options):
    return sorted(options, key=lambda o: (o[1].casefold(), o[0]))


def departments(exclude_values=(), exclude_names=()):
    from responsibility.models import Party

    seen, options = set(exclude_names), []
    for pk, name in Party.objects.filter(kind=Party.Kind.DEPARTMENT).order_by("name", "id").values_list("pk", "name"):
        value = f"party:{pk}"
        if not name or name in seen or value in exclude_values:
            seen.add(name)
            continue
        seen.add(name)
        options.append((value, name))
    return _sorted(options)


def area_parties(community_id, exclude_values=()):
    from responsibility.models import Party, ResponsibilityArea

    held = ResponsibilityArea.objects.filter(community_id=community_id).values("party_id")
    parties = (
        Party.objects.filter(pk__in=held)
        .exclude(kind=Party.Kind.DEPARTMENT)
        .select_related("user", "household__building")
    )
    options, labels = [], set()
    for party in parties:
        value, label = f"party:{party.pk}", party.label
        if value in exclude_values or not label or label in labels:
            continue
        labels.add(label)
        options.append((value, label))
    return _sorted(options)


def handler_people(community_id, exclude_values=(), day=None):
    """Active accounts with a handler role: department handlers anywhere, grid workers of the community."""
    from accounts.models import ROLE_GROUPS, Membership, Role
    from grids.models import GridAssignment

    day = day or timezone.localdate()
    User = get_user_model()
    workers_here = GridAssignment.objects.active_on(day).filter(cell__community_id=community_id).values("worker_id")
    role = (
        Q(memberships__role=Role.HANDLER)
        | Q(groups__name=ROLE_GROUPS[Role.HANDLER])
        | Q(memberships__role=Role.WORKER, memberships__cell__community_id=community_id)
        | Q(memberships__role=Role.WORKER, memberships__community_id=community_id)
        | Q(pk__in=workers_here)
    )
    users = User.objects.filter(role, is_active=True).distinct()
    cells = {}
    for worker_id, code in (
        GridAssignment.objects.active_on(day)
        .filter(cell__community_id=community_id)
        .order_by("cell__code")
        .values_list("worker_id", "cell__code")
    ):
        cells.setdefault(worker_id, code)
    workers = Membership.objects.filter(role=Role.WORKER, user__in=users)
    for user_id, code in workers.filter(cell__community_id=community_id).values_list("user_id", "cell__code"):
        cells.setdefault(user_id, code)
    community_workers = set(workers.filter(community_id=community_id).values_list("user_id", flat=True))
    departments_of = {}
    for user_id, department in Membership.objects.filter(role=Role.HANDLER, user__in=users).values_list(
        "user_id", "department"
    ):
        if department:
            departments_of.setdefault(user_id, department)
    options = []
    for user in users:
        value = f"user:{user.pk}"
        if value in exclude_values:
            continue
        name = user.get_full_name() or user.username
        if name != user.username:
            name = f"{name} ({user.username})"  # tells apart people of the same name
        department = departments_of.get(user.pk, "")
        if user.pk in cells:
            role = _("grid worker, cell %(cell)s") % {"cell": cells[user.pk]}
        elif user.pk in community_workers:
            role = _("grid worker")
        elif department and not name.startswith(department):
            role = _("handler, %(department)s") % {"department": department}
        else:
            role = _("department handler")
        options.append((value, f"{name} · {role}"))
    return _sorted(options)


def other_handlers(case, suggestion):
    """[Group] of the handlers besides the suggestion's candidates, empty groups left out."""
    taken = {c.value for c in suggestion.candidates} if suggestion else set()
    named = {c.label for c in suggestion.candidates if c.kind == "department"} if suggestion else set()
    groups = [
        Group("departments", _("Departments"), departments(taken, named)),
        Group("parties", _("Responsibility parties"), area_parties(case.community_id, taken)),
        Group("people", _("People"), handler_people(case.community_id, taken)),
    ]
    return [g for g in groups if g.options]
