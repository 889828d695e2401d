"""Cases inside a zone: problems of the last 12 months, open and closed, by category."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, State
from cases.tests.factories import load_categories, report
from grids.tests.factories import make_community
from planning.tests.factories import zone

pytestmark = pytest.mark.django_db


def test_open_and_closed_cases_of_the_last_twelve_months_by_category():
    load_categories()
    make_community()
    litter = [report(10, 10, "0101"), report(20, 20, "0101"), report(30, 30, "0101")]
    report(50, 50, "0201")  # 乱贴乱画
    report(400, 400, "0101")  # outside the zone
    old = report(40, 40, "0101")
    Case.objects.filter(pk=litter[0].pk).update(state=State.CLOSED)
    Case.objects.filter(pk=litter[1].pk).update(state=State.REJECTED)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    report(60, 60, "0101", kind=Case.Kind.GOOD_DEED)  # not a problem

    s = zone(0, 0, 200, 200).stats["cases"]
    rows = {r["code"]: (r["open"], r["closed"]) for r in s["by_category"]}
    assert rows == {"0101": (1, 1), "0201": (1, 0)}
    assert (s["open"], s["closed"]) == (2, 1)


def test_recompute_counts_cases_reported_after_the_zone_was_drawn(client, django_user_model):
    load_categories()
    make_community()
    z = zone(0, 0, 200, 200)
    assert z.stats["cases"]["open"] == 0
    report(10, 10, "0101")
    client.force_login(django_user_model.objects.create_superuser("planner", password="x" * 12))
    client.post(f"/planning/zone/{z.pk}/")
    z.refresh_from_db()
    assert z.stats["cases"]["open"] == 1
