"""Case figures on the managers' dashboard, checked against counts made in Python."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

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
    # Two of last week's reports, for the previous period's column.
    Case.objects.filter(pk__in=[cases[8].pk, cases[9].pk]).update(created_at=timezone.now() - timedelta(days=3))

    def figures(cells, start=today - timedelta(days=1)):
        with translation.override("en"):
            rows = dashboard_figures(Household.objects.all(), cells, start, today)["rows"]
            return {str(label): (value, previous) for label, value, previous in rows}

    f = figures(GridCell.objects.all())  # the last two days, beside the two days before them
    in_period = Case.objects.exclude(pk__in=[cases[8].pk, cases[9].pk])
    assert f["Cases reported"] == (in_period.count(), 2) == (8, 2)
    assert f["Open cases"][0] == in_period.exclude(state__in=[State.CLOSED, State.REJECTED]).count() == 5
    assert f["State: rejected"] == (3, 0) and f["State: registered"] == (3, 0)
    assert f["State: reported"] == (in_period.filter(state=State.REPORTED).count(), 2) == (2, 2)
    assert figures(GridCell.objects.all(), start=today)["Cases reported"][1] == 0  # yesterday: none of them
    only_west = figures(GridCell.objects.filter(pk=west.pk), start=today - timedelta(days=2))
    assert only_west["Cases reported"][0] == Case.objects.filter(cell=west).count()
