"""Case figures on the managers' dashboard, checked against counts made in Python."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import workflow
from cases.dashboard import dashboard_figures
from cases.models import Case, State
from cases.tests.factories import dispatcher, place, report
from grids.models import GridCell, Household

pytestmark = pytest.mark.django_db


def test_figures_match_python_counts(django_user_model):
    community, west, east, worker = place(django_user_model)
    staff = dispatcher(django_user_model)
    cases = [report(x=100 + i * 80, y=200, code="0101" if i % 2 else "0102") for i in range(10)]
    for c in cases[:3]:
        workflow.perform(c, "reject", staff, note="重复")
    for c in cases[3:6]:
        workflow.perform(c, "register", staff)
    today = timezone.localdate()
    figures = dict(
        dashboard_figures(Household.objects.all(), GridCell.objects.all(), today - timedelta(days=1), today)["rows"]
    )
    values = list(figures.values())
    all_cases = Case.objects.all()
    assert values[0] == all_cases.count() == 10
    assert values[1] == all_cases.exclude(state__in=[State.CLOSED, State.REJECTED]).count() == 7
    assert values[3] == 3
    in_west = Case.objects.filter(cell=west).count()
    only_west = dict(
        dashboard_figures(
            Household.objects.none(), GridCell.objects.filter(pk=west.pk), today - timedelta(days=1), today
        )["rows"]
    )
    assert list(only_west.values())[0] == in_west
