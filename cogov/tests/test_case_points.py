"""A good-deed report earns its household the rule's points once staff register it, and only once."""

import pytest

from cases import workflow
from cases.models import Case
from cases.tests.factories import dispatcher, place, report
from cogov.models import PointRule, Source
from cogov.services import balance
from grids.models import Household
from grids.tests.factories import point

pytestmark = pytest.mark.django_db


def test_registered_good_deed_earns_points_once(django_user_model):
    place(django_user_model)
    PointRule.objects.create(code="good-deed", name="好人好事", source=Source.GOOD_DEED, points=10)
    household = Household.objects.create(head_name="陈静", location=point(120, 120), room="201")
    case = report(kind=Case.Kind.GOOD_DEED, code="0602", household=household, description="帮邻居搬运物资")
    assert balance(household) == 0  # not checked yet
    staff = dispatcher(django_user_model)
    workflow.perform(case, "register", staff)
    assert balance(household) == 10
    case.refresh_from_db()
    case.save()  # saving again earns nothing more
    assert balance(household) == 10


def test_rejected_good_deed_earns_nothing(django_user_model):
    place(django_user_model)
    PointRule.objects.create(code="good-deed", name="好人好事", source=Source.GOOD_DEED, points=10)
    household = Household.objects.create(head_name="陈静", location=point(120, 120), room="201")
    case = report(kind=Case.Kind.GOOD_DEED, code="0602", household=household)
    workflow.perform(case, "reject", dispatcher(django_user_model), note="无法核实")
    assert balance(household) == 0


def test_the_dispatcher_names_the_household_when_registering_a_good_deed(client, django_user_model):
    from accounts.models import Membership, Role

    community, _west, _east, _worker = place(django_user_model)
    PointRule.objects.create(code="good-deed", name="好人好事", source=Source.GOOD_DEED, points=10)
    household = Household.objects.create(head_name="陈静", location=point(120, 120), room="201")
    Household.objects.filter(pk=household.pk).assign_cells()
    case = report(kind=Case.Kind.GOOD_DEED, code="0602", description="201室陈阿姨帮邻居搬运物资")
    staff = dispatcher(django_user_model)
    Membership.objects.create(user=staff, role=Role.DISPATCHER, community=community)
    client.force_login(staff)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'<option value="{household.pk}">' in page and "陈静" not in page  # door plates, never names
    client.post(f"/cases/{case.pk}/act/register/", {"version": case.version, "household": household.pk})
    case.refresh_from_db()
    assert case.state == "registered" and case.household == household and balance(household) == 10
    # a problem report names no household
    problem = report(code="0101")
    client.post(f"/cases/{problem.pk}/act/register/", {"version": problem.version, "household": household.pk})
    problem.refresh_from_db()
    assert problem.state == "reported" and problem.household is None
