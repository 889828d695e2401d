"""The policy fails closed: permissions without an area reach nothing, whichever way they were given."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts import policy
from accounts.models import ROLE_GROUPS, Membership, Role
from cases.models import Case
from cases.tests.factories import load_categories, report
from grids.models import Household
from grids.tests.factories import make_cells, make_community, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    call_command("setup_roles", verbosity=0)
    load_categories()
    community = make_community()
    make_cells(community, 2, 1)
    Household.objects.create(head_name="张三", phone="13800000001", location=point(100, 100), room="101")
    report(x=100)
    return community


def assert_reaches_nothing(client, user):
    assert not user.has_perm("cases.view_case") and not user.has_perm("grids.view_household")
    assert policy.scope(user, "view", Case.objects.all()).count() == 0
    assert policy.scope(user, "view", Household.objects.all()).count() == 0
    client.force_login(user)
    assert client.get("/cases/").status_code == 403
    assert client.get("/cases/features/").status_code == 403
    listed = client.get("/api/v1/households/")
    assert listed.status_code == 403 or listed.json()["features"] == []


def test_a_role_group_without_a_membership(client, city):
    user = User.objects.create_user("grouped", password="x-long-password-1")
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[Role.DISPATCHER]))
    assert_reaches_nothing(client, user)


def test_permissions_given_directly_without_an_area(client, city):
    user = User.objects.create_user("direct", password="x-long-password-1")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_case", "view_household"]))
    assert_reaches_nothing(client, user)


def test_a_membership_row_without_an_area(client, city):
    user = User.objects.create_user("arealess", password="x-long-password-1")
    Membership.objects.create(user=user, role=Role.DISPATCHER)  # bypassing clean(), as a bulk load could
    assert_reaches_nothing(client, user)


def test_staff_flags_alone_reach_nothing(client, city):
    user = User.objects.create_user("staff", password="x-long-password-1", is_staff=True)
    assert_reaches_nothing(client, user)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DISPATCHER, Role.WORKER, Role.PLANNER, Role.HANDLER])
def test_a_role_is_not_saved_without_its_area(city, role):
    user = User.objects.create_user(f"u-{role}", password="x-long-password-1")
    with pytest.raises(ValidationError):
        Membership(user=user, role=role).full_clean()


def test_the_same_account_with_an_area_reaches_that_area_only(client, city):
    other = make_community(code="002")
    make_cells(other, 1, 1)
    report(x=1500)
    user = User.objects.create_user("local", password="x-long-password-1")
    Membership.objects.create(user=user, role=Role.DISPATCHER, community=city)
    assert user.has_perm("cases.view_case")
    assert set(policy.scope(user, "view", Case.objects.all()).values_list("community", flat=True)) == {city.pk}
