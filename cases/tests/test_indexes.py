"""The partial index of cases on the clock serves the overdue queries (their filter implies its condition)."""

import pytest
from django.db import connection

from cases.models import Case

pytestmark = pytest.mark.django_db


def plan(qs):
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # the test database is small: ask which index can serve it
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


def test_overdue_list_walks_the_index_of_cases_on_the_clock():
    assert "case_clock_deadline" in plan(Case.objects.overdue().order_by("deadline_at").values("id")[:20])


def test_dashboards_longest_overdue_walks_it_too():
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    qs = Case.objects.filter(created_at__gte=now - timedelta(days=30), created_at__lte=now).overdue(now)
    assert "case_clock_deadline" in plan(qs.order_by("deadline_at").values("id")[:5])
