"""The demo cases: every state, placed in cells, the same for the same seed."""

import pytest
from django.core.management import call_command

from cases.models import Case, CaseEvent, State
from grids.tests.factories import make_cells, make_community

pytestmark = pytest.mark.django_db


def snapshot():
    return list(Case.objects.order_by("token").values_list("token", "state", "category__code", "cell__code", "version"))


def test_demo_cases_cover_every_state_and_are_deterministic():
    community = make_community()
    make_cells(community, 3, 3)
    call_command("build_demo_cases", seed=7, count=600)
    first = snapshot()
    assert len(first) >= 550
    assert {s for _t, s, *_ in first} >= {
        State.REPORTED,
        State.REGISTERED,
        State.REJECTED,
        State.DISPATCHED,
        State.IN_PROGRESS,
        State.CLOSED,
    }
    assert Case.objects.filter(cell__isnull=True).count() == 0
    assert CaseEvent.objects.filter(action="report").count() == len(first)
    closed = Case.objects.filter(state=State.CLOSED)
    assert closed.filter(closed_at__isnull=False, deadline_at__isnull=False).count() == closed.count()
    call_command("build_demo_cases", seed=7, count=600)  # idempotent: nothing added
    assert snapshot() == first
    call_command("build_demo_cases", seed=7, count=600, reset=True)
    assert snapshot() == first
