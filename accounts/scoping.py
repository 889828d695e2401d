"""Area questions that pages ask, answered by the access policy (accounts.policy): the households a user reads,
whether a unit's figures are theirs to see, and the widest unit they cover."""

from accounts import policy
from accounts.models import Role

is_admin = policy.is_admin

# Roles that see a unit's figures (counts and sums): managers, dispatchers and planners of an area holding the
# unit, and grid workers for the cells they hold.
UNIT_ROLES = (Role.MANAGER, Role.DISPATCHER, Role.PLANNER, Role.WORKER)
LEVELS = ("district", "street", "community", "cell")


def scope_households(queryset, user):
    """Households a user may read: administrators all; managers and dispatchers their area; grid workers their
    cells; residents their own household; everyone else none (planners get counts, never records)."""
    return policy.scope(user, "view", queryset)


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
    """Figures of a unit are for administrators and for the roles above whose area holds the unit (a grid worker:
    the cells they hold). Nobody else, and never anonymous visitors."""
    g = policy.grants_of(user)
    if g.admin:
        return True
    chain = dict(zip(LEVELS, unit_chain(level, obj), strict=True))
    for grant in g.grants:
        if grant.role not in UNIT_ROLES or grant.level is None:
            continue
        if grant.role == Role.WORKER and level != "cell":
            continue
        if chain[grant.level] is not None and chain[grant.level] == getattr(grant, grant.level):
            return True
    return False


def home_unit(user):
    """The widest unit a user may see, as (level, id), or None."""
    from grids.models import District

    g = policy.grants_of(user)
    if g.admin:
        district = District.objects.order_by("code").first()
        return ("district", district.pk) if district else None
    best = None
    for grant in g.grants:
        if grant.role not in UNIT_ROLES or grant.level is None:
            continue
        if best is None or LEVELS.index(grant.level) < LEVELS.index(best[0]):
            best = (grant.level, getattr(grant, grant.level))
    return best
