"""A test community (two cells, west and east) with staff of its own: a community manager, the west cell's grid
worker, a resident; households of the community."""

from datetime import date

from accounts.models import Membership, Role
from cases.tests.factories import load_categories
from grids.models import GridAssignment, Household
from grids.tests.factories import make_cells, make_community, point

PASSWORD = "x-long-password-1"


def scene(django_user_model):
    from django.core.management import call_command

    call_command("setup_roles", verbosity=0)
    load_categories()
    community = make_community()
    west, east = make_cells(community, 2, 1)
    manager = django_user_model.objects.create_user("cc_manager", first_name="主任", password=PASSWORD)
    Membership.objects.create(user=manager, role=Role.MANAGER, community=community)
    worker = django_user_model.objects.create_user("cc_worker", first_name="网格员", password=PASSWORD)
    GridAssignment.objects.create(cell=west, worker=worker, start=date(2020, 1, 1))
    households = [
        Household.objects.create(
            head_name="欧阳秀英", phone="13900001111", room=f"东{i}室", location=point(100 + i * 20, 100)
        )
        for i in range(4)
    ]
    resident = django_user_model.objects.create_user("cc_resident", password=PASSWORD)
    Membership.objects.create(user=resident, role=Role.RESIDENT, household=households[0])
    for h in households:
        h.refresh_from_db()
    return {
        "community": community,
        "west": west,
        "east": east,
        "manager": manager,
        "worker": worker,
        "resident": resident,
        "households": households,
    }
