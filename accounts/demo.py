"""The demo's own community: the one its first community manager (by user name) runs, else the first community. The
demo data of every app (patrols, inspections, co-creation) is placed there, so a visitor signing in as that manager
sees all of it."""

from accounts.models import Membership, Role
from grids.models import Community


def demo_manager():
    """The demo's first community-manager membership (with its user and community), or None."""
    return (
        Membership.objects.filter(role=Role.MANAGER, community__isnull=False)
        .select_related("user", "community")
        .order_by("user__username", "pk")
        .first()
    )


def demo_community(manager=None):
    manager = manager or demo_manager()
    return manager.community if manager else Community.objects.order_by("pk").first()
