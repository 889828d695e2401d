"""Where cases sit, for the access policy (accounts.policy).

Managers and dispatchers reach the cases of their area, grid workers those of their cells, handlers those
dispatched to their department; everyone reads what they reported and what they handle or were sent.
"""

from django.db.models import Q

from accounts.policy import Place, register
from cases import models as m


def case_owner(user, action, prefix=""):
    if action != "view":
        return None
    return (
        Q(**{f"{prefix}reporter": user})
        | Q(**{f"{prefix}grid_worker": user})
        | Q(**{f"{prefix}handler_user": user})
        | Q(**{f"{prefix}handler_party__user": user})
    )


def register_all():
    register(m.CategoryFamily, Place(catalogue=True))
    register(m.Category, Place(catalogue=True))
    register(m.Open311Client, Place())
    register(m.Case, Place(community="community", cell="cell", department="department", owner=case_owner))
    for model in (m.CaseEvent, m.CasePhoto):
        register(
            model,
            Place(
                community="case__community",
                cell="case__cell",
                department="case__department",
                owner=lambda user, action: case_owner(user, action, "case__"),
            ),
        )
    register(m.Notification, Place(owner=lambda user, action: Q(recipient=user) if action == "view" else None))


# --- who may see which cases (what the case pages ask) ----------------------------------------------------------
def may_open_staff_pages(user):
    """May open the staff pages (lists, map, heat, overdue, statistics): a role that reads cases, with its area;
    what they list is `visible_cases`."""
    from accounts import policy

    return policy.holds(user, "cases.view_case")


def visible_cases(user, qs=None):
    """The cases a user reads (accounts.policy: managers and dispatchers their area, grid workers their cells,
    handlers their department's, everyone what they reported or handle)."""
    from accounts import policy

    return policy.scope(user, "view", m.Case.objects.all() if qs is None else qs)


def case_visible(user, case):
    from accounts import policy

    return policy.allows(user, "view", case)


def queued_by_another(user, account):
    """Whether an item the phone queued, naming `account` (the id it was made under, "" when signed out; None when
    it names none), is sent under another session than that account's: then it is refused and the phone keeps it."""
    if account is None:
        return False
    return str(account) != (str(user.pk) if getattr(user, "is_authenticated", False) else "")
