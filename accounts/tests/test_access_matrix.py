"""Each role sees and changes only what it should: households by area scope, over the API and the pages.

A grid worker of cell A cannot read a household of cell B, even by guessing its id (404, not 403)."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from accounts.models import ROLE_GROUPS, Membership, Role
from grids.models import GridAssignment, Household
from grids.tests.factories import make_cells, make_community, point

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "worker_a",
    "manager",
    "manager_other",
    "dispatcher_street",
    "planner",
    "handler",
    "resident",
    "admin",
]


@pytest.fixture
def world():
    call_command("setup_roles", verbosity=0)
    community = make_community(code="001")
    other = make_community(code="002")
    cell_a, cell_b = make_cells(community, 2, 1)
    make_cells(other, 1, 1)
    h_a = Household.objects.create(head_name="张三", phone="13800000001", location=point(100, 100), room="101")
    h_b = Household.objects.create(head_name="李四", phone="13800000002", location=point(900, 100), room="102")
    h_other = Household.objects.create(head_name="王五", phone="13800000003", location=point(1500, 100), room="103")
    assert (h_a.cell, h_b.cell) == (cell_a, cell_b)
    users = {}

    def member(name, role, **scope):
        u = User.objects.create_user(name, password="x-long-password-1")
        Membership.objects.create(user=u, role=role, **scope)
        users[name] = u
        return u

    GridAssignment.objects.create(cell=cell_a, worker=member("worker_a", Role.WORKER, cell=cell_a), start="2026-01-01")
    member("manager", Role.MANAGER, community=community)
    member("manager_other", Role.MANAGER, community=other)
    member("dispatcher_street", Role.DISPATCHER, street=community.street)
    member("planner", Role.PLANNER)
    member("handler", Role.HANDLER, department="城管")
    member("resident", Role.RESIDENT, household=h_b)
    users["admin"] = User.objects.create_superuser("admin", password="x-long-password-1")
    return {"households": {"a": h_a, "b": h_b, "other": h_other}, "users": users}


# which households each role may read
READABLE = {
    "anonymous": set(),
    "worker_a": {"a"},
    "manager": {"a", "b"},
    "manager_other": {"other"},
    "dispatcher_street": {"a", "b", "other"},
    "planner": set(),
    "handler": set(),
    "resident": {"b"},
    "admin": {"a", "b", "other"},
}
# which may change a household (of those they read)
WRITERS = {"worker_a", "manager", "manager_other", "admin"}


def login(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])


@pytest.mark.parametrize("role", ROLES)
def test_api_list_and_detail_follow_the_scope(client, world, role):
    login(client, world, role)
    resp = client.get("/api/v1/households/")
    if role == "anonymous":
        assert resp.status_code == 403
        return
    if not READABLE[role]:
        assert resp.status_code in (403, 200)
        if resp.status_code == 200:
            assert resp.json()["features"] == []
    else:
        names = {f["id"] for f in resp.json()["features"]}
        assert names == {world["households"][k].pk for k in READABLE[role]}
    for key, h in world["households"].items():
        status = client.get(f"/api/v1/households/{h.pk}/").status_code
        assert (status == 200) == (key in READABLE[role]), (role, key, status)
        assert status in (200, 403, 404)


@pytest.mark.parametrize("role", ROLES)
def test_pages_follow_the_scope(client, world, role):
    login(client, world, role)
    for key, h in world["households"].items():
        status = client.get(f"/grids/household/{h.pk}/").status_code
        if role == "anonymous":
            assert status == 302  # to the login page
        else:
            assert (status == 200) == (key in READABLE[role]), (role, key, status)


@pytest.mark.parametrize("role", ROLES)
def test_updates_and_deletes_follow_role_and_scope(client, world, role):
    login(client, world, role)
    for key, h in world["households"].items():
        resp = client.patch(
            f"/api/v1/households/{h.pk}/", {"properties": {"residents": 5}}, content_type="application/json"
        )
        allowed = role in WRITERS and key in READABLE[role]
        assert (resp.status_code == 200) == allowed, (role, key, resp.status_code)
        h.refresh_from_db()
        assert (h.residents == 5) == allowed
        h.residents = 1
        h.save()
    target = world["households"]["other"]
    resp = client.delete(f"/api/v1/households/{target.pk}/")
    assert (resp.status_code == 204) == (role == "admin"), (role, resp.status_code)


def test_planner_sees_counts_but_never_records(client, world):
    client.force_login(world["users"]["planner"])
    data = client.get("/api/v1/communities/").json()
    assert sum(f["properties"]["household_count"] for f in data["features"]) == 3
    assert client.get("/grids/household/").status_code in (200, 403)
    if client.get("/grids/household/").status_code == 200:
        assert "13800000001" not in client.get("/grids/household/").content.decode()


def test_role_groups_carry_the_case_flow_permissions(db):
    from django.contrib.auth.models import Group

    call_command("setup_roles", verbosity=0)

    def perms(role):
        group = Group.objects.get(name=ROLE_GROUPS[role])
        return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}

    assert "cases.dispatch_case" in perms(Role.DISPATCHER) and "cases.dispatch_case" in perms(Role.MANAGER)
    assert "cases.verify_case" in perms(Role.WORKER) and "cases.verify_case" not in perms(Role.HANDLER)
    assert "cases.dispatch_case" not in perms(Role.WORKER) and "cases.dispatch_case" not in perms(Role.RESIDENT)
