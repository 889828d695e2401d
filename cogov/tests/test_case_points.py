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
