"""Area scoping of querysets: every list, detail, export and API of personal records goes through here."""

from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Role

AREA_ROLES = (Role.MANAGER, Role.DISPATCHER)


def is_admin(user):
    return user.is_authenticated and (
        user.is_superuser or Membership.objects.filter(user=user, role=Role.ADMIN).exists()
    )


def community_filter(user, path="community"):
    """Q selecting the communities a manager or dispatcher covers (their area and below); None means everything."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if is_admin(user):
        return None
    q = Q(**{f"{path}__managers": user})
    for m in Membership.objects.filter(user=user, role__in=AREA_ROLES):
        if m.community_id:
            q |= Q(**{f"{path}_id": m.community_id})
        elif m.street_id:
            q |= Q(**{f"{path}__street_id": m.street_id})
        elif m.district_id:
            q |= Q(**{f"{path}__street__district_id": m.district_id})
    return q


def worker_cells_filter(user, path="cell", day=None):
    """Q selecting the cells a grid worker holds today (assignments) or by membership."""
    day = day or timezone.localdate()
    q = Q(**{f"{path}__assignments__worker": user, f"{path}__assignments__start__lte": day}) & (
        Q(**{f"{path}__assignments__end__isnull": True}) | Q(**{f"{path}__assignments__end__gte": day})
    )
    cells = Membership.objects.filter(user=user, role=Role.WORKER, cell__isnull=False).values_list("cell", flat=True)
    return q | Q(**{f"{path}_id__in": list(cells)})


def scope_households(queryset, user):
    """Households a user may read: administrators all; managers and dispatchers their area; grid workers their
    cells; residents their own household; everyone else none (planners get counts, never records)."""
    if not user.is_authenticated:
        return queryset.none()
    area = community_filter(user)
    if area is None:
        return queryset
    q = area | worker_cells_filter(user)
    own = Membership.objects.filter(user=user, role=Role.RESIDENT).values_list("household", flat=True)
    q |= Q(pk__in=list(own))
    return queryset.filter(q).distinct()
