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
    """Q selecting the cells a grid worker holds today (assignments) or by membership; path "" filters the cells
    themselves."""
    day = day or timezone.localdate()
    at = f"{path}__" if path else ""
    q = Q(**{f"{at}assignments__worker": user, f"{at}assignments__start__lte": day}) & (
        Q(**{f"{at}assignments__end__isnull": True}) | Q(**{f"{at}assignments__end__gte": day})
    )
    cells = Membership.objects.filter(user=user, role=Role.WORKER, cell__isnull=False).values_list("cell", flat=True)
    return q | Q(**{f"{path}_id__in" if path else "pk__in": list(cells)})


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


# --- areas of the hierarchy (dashboards and other pages about a unit) -------------------------------------------

UNIT_ROLES = (Role.MANAGER, Role.DISPATCHER, Role.PLANNER)


def unit_chain(level, obj):
    """(district id, street id, community id, cell id) of a unit, None below its own level."""
    if level == "district":
        return obj.pk, None, None, None
    if level == "street":
        return obj.district_id, obj.pk, None, None
    if level == "community":
        return obj.street.district_id, obj.street_id, obj.pk, None
    community = obj.community
    return community.street.district_id, community.street_id, community.pk, obj.pk


def can_see_unit(user, level, obj):
    """Figures of a unit (counts and sums) are for administrators, and for managers, dispatchers and planners whose
    area holds the unit; grid workers see the cells they hold. Nobody else, and never anonymous visitors."""
    if not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    district, street, community, cell = unit_chain(level, obj)
    for m in Membership.objects.filter(user=user, role__in=UNIT_ROLES):
        if (
            (m.district_id and m.district_id == district)
            or (m.street_id and m.street_id == street)
            or (m.community_id and m.community_id == community)
            or (m.cell_id and m.cell_id == cell)
        ):
            return True
    from grids.models import Community, GridCell

    if community is not None and Community.objects.filter(pk=community, managers=user).exists():
        return True
    return cell is not None and GridCell.objects.filter(Q(pk=cell) & worker_cells_filter(user, path="")).exists()


def home_unit(user):
    """The widest unit a user may see, as (level, id), or None."""
    from grids.models import Community, District

    if is_admin(user):
        district = District.objects.order_by("code").first()
        return ("district", district.pk) if district else None
    order = {"district": 0, "street": 1, "community": 2, "cell": 3}
    best = None
    for m in Membership.objects.filter(user=user, role__in=UNIT_ROLES):
        for level in ("district", "street", "community", "cell"):
            pk = getattr(m, f"{level}_id")
            if pk and (best is None or order[level] < order[best[0]]):
                best = (level, pk)
    if best is None:
        community = Community.objects.filter(managers=user).order_by("pk").first()
        best = ("community", community.pk) if community else None
    return best
