"""The demo cases: every state, placed in cells, the same for the same seed; and true to life on the demo city —
report times spread over the year with their steps in order, cases spread over the cells, a reporter for each."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Max, Min
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Membership, Role
from cases.dashboard import dashboard_figures
from cases.models import Case, CaseEvent, State
from grids.models import GridCell
from grids.tests.factories import make_cells, make_community

pytestmark = pytest.mark.django_db


def snapshot():
    return list(
        Case.objects.order_by("token").values_list(
            "token", "state", "category__code", "cell__code", "version", "created_at", "reporter__username"
        )
    )


def test_demo_cases_cover_every_state_and_are_deterministic():
    community = make_community()
    make_cells(community, 3, 3)
    call_command("build_demo_cases", seed=7, count=600)
    first = snapshot()
    assert len(first) == 600
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


@pytest.fixture
def demo_city_cases():
    call_command("build_demo_city", seed=11, verbosity=0)
    call_command("build_demo_cases", seed=11, count=1500, verbosity=0)
    return Case.objects.filter(source="demo")


def test_demo_cases_span_the_year_with_their_steps_in_order(demo_city_cases, admin_client):
    cases = demo_city_cases
    n = cases.count()
    assert n == 1500
    span = cases.aggregate(first=Min("created_at"), last=Max("created_at"))
    now = timezone.now()
    assert span["last"] <= now and span["last"] > now - timedelta(days=3)
    assert span["first"] < now - timedelta(days=330)
    months = cases.annotate(m=TruncMonth("created_at")).values("m").annotate(n=Count("id"))
    assert len(months) >= 12
    # Denser towards today: the last three months hold more than the three months a year ago.
    recent = cases.filter(created_at__gte=now - timedelta(days=90)).count()
    old = cases.filter(created_at__lt=now - timedelta(days=275)).count()
    assert recent > old > 0
    # Not all loaded at one moment: hundreds of distinct report times.
    assert cases.values("created_at").distinct().count() > n * 0.95

    # The steps of every case follow one another: reported first (at the case's report time), each step later
    # than the one before, the last one at the case's updated time.
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*) FILTER (WHERE e.at < e.prev),
                   count(*) FILTER (WHERE e.first AND (e.action <> 'report' OR e.at <> c.created_at)),
                   count(*) FILTER (WHERE e.last AND e.at <> c.updated_at)
              FROM (SELECT *, lag(at) OVER w AS prev, row_number() OVER w = 1 AS first,
                           row_number() OVER (PARTITION BY case_id ORDER BY id DESC) = 1 AS last
                      FROM cases_caseevent WINDOW w AS (PARTITION BY case_id ORDER BY id)) e
              JOIN cases_case c ON c.id = e.case_id
            """
        )
        assert cur.fetchone() == (0, 0, 0)
    closed = cases.filter(state=State.CLOSED).exclude(events__action="reopen").order_by("pk").first()
    assert closed.dispatched_at > closed.created_at and closed.closed_at > closed.dispatched_at
    page = admin_client.get(f"/cases/{closed.pk}/").content.decode()
    steps = page[page.index('id="case-steps"') :]
    order = [steps.index(word) for word in ("上报", "立案", "派遣", "处置反馈", "核查", "结案")]
    assert order == sorted(order), order

    # Open311: reported before updated, and the default 90 days and a date window a year back both find requests.
    rows = admin_client.get("/open311/v2/requests.json").json()
    assert len(rows) > 100
    assert all(r["requested_datetime"] <= r["updated_datetime"] for r in rows)
    year_ago = (now - timedelta(days=330)).date()
    older = admin_client.get(
        f"/open311/v2/requests.json?start_date={year_ago}&end_date={year_ago + timedelta(days=30)}"
    ).json()
    assert older and all(r["requested_datetime"][:10] <= str(year_ago + timedelta(days=30)) for r in older)

    # The dashboard's period comparison: cases in this month-long period and in the one before.
    today = timezone.localdate()
    cells = GridCell.objects.all()
    figures = dashboard_figures(None, cells, today - timedelta(days=29), today)
    label, current, previous = figures["rows"][0]
    assert str(label) == "Cases reported" or "上报" in str(label)
    assert current > 20 and previous > 20


def test_demo_cases_are_spread_over_the_cells_and_have_reporters(demo_city_cases, admin_client):
    cases = demo_city_cases
    n = cases.count()
    per_cell = list(cases.values("cell").annotate(k=Count("id")).values_list("k", flat=True))
    assert len(per_cell) == GridCell.objects.count()  # every cell has cases
    assert max(per_cell) <= 0.15 * n
    # A few hot spots (markets, school gates) where reports cluster, inside the demo's cells.
    hot = cases.exclude(address="")
    assert 0.05 * n < hot.count() < 0.2 * n
    assert {re.sub(r"\d", "", a) for a in hot.values_list("address", flat=True)} >= {"菜市场", "小学门口"}
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT max(ST_Distance(c.location::geography, s.centre::geography))
              FROM cases_case c
              JOIN (SELECT address, ST_Centroid(ST_Collect(location)) AS centre
                      FROM cases_case WHERE address <> '' GROUP BY address) s ON s.address = c.address
            """
        )
        assert cur.fetchone()[0] < 200

    # Every case has a reporter: the grid worker of its cell, or a resident whose household is in the cell.
    assert not cases.filter(reporter__isnull=True).exists()
    residents = Membership.objects.filter(role=Role.RESIDENT)
    by_worker = cases.filter(reporter_id=F("grid_worker_id"))
    by_resident = cases.filter(
        reporter__memberships__role=Role.RESIDENT,
        reporter__memberships__household__cell_id=F("cell_id"),
    )
    assert by_worker.count() + by_resident.count() == n
    assert by_worker.count() > 0.2 * n and by_resident.count() > 0.3 * n
    assert residents.count() >= 2 * GridCell.objects.count()
    case = by_resident.order_by("pk").first()
    page = admin_client.get(f"/cases/{case.pk}/").content.decode()
    reporter = page[page.index("上报人") :][:200]
    assert case.reporter.first_name in reporter
