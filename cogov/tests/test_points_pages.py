"""Staff pages of the ledger: a community manager finds a household of their area, grants points with a reason,
reverses a wrong entry and serves a redemption; every refusal is explained and leaves the ledger as it was."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import ROLE_GROUPS, Membership, Role
from cogov import services
from cogov.models import LedgerEntry
from cogov.tests.factories import item, rule, small_community

pytestmark = pytest.mark.django_db


@pytest.fixture
def area(django_user_model):
    call_command("setup_roles", verbosity=0)
    c1, homes = small_community(6, code="001", seed=3)
    c2, others = small_community(4, code="002", seed=4)
    manager = django_user_model.objects.create_user("m1", first_name="王主任", password="x-long-password-1")
    manager.groups.add(Group.objects.get(name=ROLE_GROUPS[Role.MANAGER]))
    Membership.objects.create(user=manager, role=Role.MANAGER, community=c1)
    return homes, others, manager


def messages_of(resp):
    return [str(m) for m in resp.context["messages"]] if resp.context else []


def test_manager_grants_reverses_and_redeems_for_a_household_of_their_area(client, area):
    homes, others, manager = area
    home = homes[0]
    volunteer = rule("volunteer", 2, cap=10)
    soap = item("肥皂", price=3, stock=2)
    client.force_login(manager)

    listed = client.get("/cogov/points/").content.decode()
    assert f"/cogov/points/{home.pk}/" in listed and f"/cogov/points/{others[0].pk}/" not in listed
    assert str(home) in listed
    assert client.get(f"/cogov/points/{others[0].pk}/").status_code == 404  # not in their area

    # a grant by hand needs a reason; without one nothing is written
    resp = client.post(f"/cogov/points/{home.pk}/grant/", {"rule": volunteer.pk, "quantity": "3"}, follow=True)
    assert messages_of(resp)  # the form says what is missing
    assert not LedgerEntry.objects.exists()
    data = {"rule": volunteer.pk, "quantity": "3", "reason": "社区义诊志愿3小时"}
    resp = client.post(f"/cogov/points/{home.pk}/grant/", data, follow=True)
    assert services.balance(home) == 6
    page = resp.content.decode()
    assert "社区义诊志愿3小时" in page and 'id="balance">6<' in page
    entry = LedgerEntry.objects.get()
    assert entry.granted_by == manager

    # redeem: points and stock together; too dear a basket is refused with the reason
    client.post(f"/cogov/points/{home.pk}/redeem/", {"item": soap.pk, "quantity": "1"})
    soap.refresh_from_db()
    assert services.balance(home) == 3 and soap.stock == 1
    resp = client.post(f"/cogov/points/{home.pk}/redeem/", {"item": soap.pk, "quantity": "2"}, follow=True)
    assert any("Not enough points" in m or "积分不足" in m for m in messages_of(resp))
    soap.refresh_from_db()
    assert services.balance(home) == 3 and soap.stock == 1

    # the soap comes back: stock and points together, once
    served = LedgerEntry.objects.get(source="redemption", reverses__isnull=True)
    client.post(f"/cogov/points/{home.pk}/return/", {"entry": served.pk, "reason": "质量问题退回"})
    soap.refresh_from_db()
    assert services.balance(home) == 6 and soap.stock == 2
    client.post(f"/cogov/points/{home.pk}/return/", {"entry": served.pk, "reason": "再退"})
    soap.refresh_from_db()
    assert services.balance(home) == 6 and soap.stock == 2
    client.post(f"/cogov/points/{home.pk}/redeem/", {"item": soap.pk, "quantity": "1"})
    assert services.balance(home) == 3

    # the wrong grant is reversed by a counter-entry; the original stays, and cannot be reversed twice
    client.post(f"/cogov/points/{home.pk}/reverse/", {"entry": entry.pk, "reason": "录错户"})
    assert services.balance(home) == -3 and LedgerEntry.objects.filter(reverses=entry).count() == 1
    resp = client.post(f"/cogov/points/{home.pk}/reverse/", {"entry": entry.pk, "reason": "再来"}, follow=True)
    assert LedgerEntry.objects.filter(reverses=entry).count() == 1
    assert messages_of(resp)


def test_the_pages_are_for_staff_with_the_permission(client, area, django_user_model):
    homes, _others, _manager = area
    assert client.get("/cogov/points/")["Location"].startswith("/accounts/login/")
    client.force_login(django_user_model.objects.create_user("resident1"))
    assert client.get("/cogov/points/").status_code == 403
    assert client.post(f"/cogov/points/{homes[0].pk}/grant/", {"reason": "x"}).status_code == 403
    assert not LedgerEntry.objects.exists()
