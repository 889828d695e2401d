"""The points ledger: balances are sums, wrong entries are reversed, rules cap monthly earnings."""

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from cogov import services
from cogov.models import LedgerEntry, Source
from cogov.tests.factories import rule, small_community

pytestmark = pytest.mark.django_db


@pytest.fixture
def homes():
    return small_community(3)[1]


@pytest.fixture
def staff():
    """A community manager of the test district's communities (manual grants are made within one's area)."""
    from accounts.models import Membership, Role
    from grids.tests.factories import test_district

    user = get_user_model().objects.create_user("staff", password="x" * 12)
    Membership.objects.create(user=user, role=Role.MANAGER, district=test_district())
    return user


def test_balance_is_the_sum_of_the_ledger(homes, staff):
    hygiene = rule("hygiene", 5)
    volunteer = rule("volunteer", 3, source=Source.VOLUNTEER)
    a, b = homes[0], homes[1]
    services.grant(a, hygiene, by=staff, reason="周检合格")
    services.grant(a, volunteer, quantity=2.5, by=staff, reason="清扫楼道")  # 3 × 2.5 hours = 7.5 → 8
    services.grant(b, hygiene, by=staff, reason="周检合格")
    assert services.balance(a) == 5 + 8
    assert services.balance(b) == 5
    assert services.balance(homes[2]) == 0
    qs = services.with_balance(type(a).objects.filter(pk__in=[x.pk for x in homes]))
    annotated = {h.pk: h.points_balance for h in qs}
    assert annotated == {a.pk: 13, b.pk: 5, homes[2].pk: 0}


def test_a_wrong_entry_is_reversed_by_a_counter_entry(homes, staff):
    hygiene = rule("hygiene", 5)
    entry = services.grant(homes[0], hygiene, by=staff, reason="误录")
    counter = services.reverse(entry, by=staff, reason="录错户")
    assert counter.points == -5 and counter.reverses == entry
    assert services.balance(homes[0]) == 0
    assert LedgerEntry.objects.filter(household=homes[0]).count() == 2  # the original stays
    with pytest.raises(ValidationError, match="already been reversed"):
        services.reverse(entry, by=staff, reason="again")
    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        services.reverse(counter, by=staff, reason="again")


def test_entries_cannot_be_edited_or_deleted(homes, staff):
    entry = services.grant(homes[0], rule("hygiene", 5), by=staff, reason="周检")
    entry.points = 500
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert services.balance(homes[0]) == 5


def test_monthly_cap_cuts_the_last_grant_and_refuses_the_next(homes, staff):
    hygiene = rule("hygiene", 8, cap=20)
    h = homes[0]
    march = timezone.make_aware(datetime(2026, 3, 10, 10))
    granted = [services.grant(h, hygiene, by=staff, reason="周检", at=march).points for _ in range(3)]
    assert granted == [8, 8, 4]
    with pytest.raises(services.CapReached):
        services.grant(h, hygiene, by=staff, reason="周检", at=march)
    # another household and another month are not affected
    assert services.grant(homes[1], hygiene, by=staff, reason="周检", at=march).points == 8
    april = timezone.make_aware(datetime(2026, 4, 1, 9))
    assert services.grant(h, hygiene, by=staff, reason="周检", at=april).points == 8
    assert services.balance(h) == 28


def test_a_reversed_entry_frees_its_share_of_the_cap(homes, staff):
    hygiene = rule("hygiene", 10, cap=10)
    entry = services.grant(homes[0], hygiene, by=staff, reason="周检")
    services.reverse(entry, by=staff, reason="录错")
    assert services.grant(homes[0], hygiene, by=staff, reason="周检").points == 10


def test_reversing_last_month_s_grant_frees_nothing_under_this_month_s_cap(homes, staff):
    hygiene = rule("hygiene", 10, cap=10)
    last_month = timezone.make_aware(datetime(2026, 2, 20, 10))
    old = services.grant(homes[0], hygiene, by=staff, reason="周检", at=last_month)
    now = timezone.make_aware(datetime(2026, 3, 10, 10))
    services.grant(homes[0], hygiene, by=staff, reason="周检", at=now)  # March's 10 points: the cap is reached
    services.reverse(old, by=staff, reason="录错")  # written today, cancels February's entry
    with pytest.raises(services.CapReached):
        services.grant(homes[0], hygiene, by=staff, reason="周检", at=now)
    assert services.earned_this_month(homes[0], hygiene, last_month) == 0


def test_manual_grant_needs_a_reason_and_a_source_earns_once(homes, staff):
    hygiene = rule("hygiene", 5)
    with pytest.raises(ValidationError, match="needs a reason"):
        services.grant(homes[0], hygiene, by=staff)
    source = homes[2]  # any verified record; here a household record stands for it
    services.grant(homes[0], hygiene, source=source, by=staff)
    with pytest.raises(services.AlreadyGranted):
        services.grant(homes[0], hygiene, source=source, by=staff)
    assert services.balance(homes[0]) == 5
    entry = LedgerEntry.objects.get(household=homes[0])
    assert entry.source_record == source and entry.granted_by == staff


def test_unknown_or_inactive_rules_are_refused(homes, staff):
    with pytest.raises(ValidationError, match="no points rule"):
        services.grant(homes[0], "nope", reason="x")
    r = rule("old", 5)
    r.active = False
    r.save()
    with pytest.raises(ValidationError, match="not in use"):
        services.grant(homes[0], r, reason="x")
    assert not LedgerEntry.objects.exists()
