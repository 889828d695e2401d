"""A new case names its cell's primary worker, even where a helper has held the cell for longer."""

from datetime import date

import pytest

from cases.tests.factories import place, report
from grids.models import GridAssignment

pytestmark = pytest.mark.django_db


def test_the_primary_worker_is_named_before_a_helper(django_user_model):
    community, west, east, primary = place(django_user_model)
    helper = django_user_model.objects.create_user("helper", password="x-long-password-1")
    # The helper came earlier than the primary worker's assignment and their role's code sorts first.
    GridAssignment.objects.filter(worker=primary).update(start=date(2021, 1, 1))
    GridAssignment.objects.create(cell=west, worker=helper, role=GridAssignment.Role.HELPER, start=date(2020, 1, 1))
    case = report(x=100, y=100)
    assert case.cell_id == west.pk
    assert case.grid_worker_id == primary.pk


def test_a_cell_with_only_a_helper_names_the_helper(django_user_model):
    community, west, east, primary = place(django_user_model)
    helper = django_user_model.objects.create_user("helper", password="x-long-password-1")
    GridAssignment.objects.create(cell=east, worker=helper, role=GridAssignment.Role.HELPER, start=date(2020, 1, 1))
    case = report(x=700, y=100)
    assert case.cell_id == east.pk
    assert case.grid_worker_id == helper.pk
