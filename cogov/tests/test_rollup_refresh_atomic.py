"""A refresh of the case summaries whose roll-up statement fails (a timeout, a cancelled query, a worker killed)
leaves its keys queued: the next refresh makes the district and street roll-ups equal the cells again."""

import pytest
from django.db import DatabaseError, connection

from cases import summary
from cases.tests.factories import place, report

pytestmark = pytest.mark.django_db(transaction=True)


def totals():
    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(sum(cases),0) FROM {summary.SUMMARY_TABLE}")
        cells = cur.fetchone()[0]
        cur.execute(f"SELECT coalesce(sum(cases),0) FROM {summary.UNIT_TABLE} WHERE level = 'd'")
        return cells, cur.fetchone()[0]


def test_a_failed_rollup_statement_keeps_its_keys_for_the_next_refresh(django_user_model, monkeypatch):
    place(django_user_model)
    report(x=100, y=100)
    summary.rebuild()
    summary.rebuild_rollups()
    assert totals() == (1, 1)
    report(x=100, y=100)
    good = summary.ROLLUP_REFRESH_SQL
    monkeypatch.setattr(summary, "ROLLUP_REFRESH_SQL", "SELECT 1/0")  # timeout / cancel / worker killed
    with pytest.raises(DatabaseError):
        summary.refresh()
    monkeypatch.setattr(summary, "ROLLUP_REFRESH_SQL", good)
    summary.refresh()
    assert summary.pending() == 0
    assert totals() == (2, 2)
