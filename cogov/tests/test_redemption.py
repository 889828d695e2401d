"""The points shop: a redemption takes points and stock together, never below zero, also when two race."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from cogov import services
from cogov.models import CatalogueItem, LedgerEntry, Redemption
from cogov.tests.factories import item, rule, small_community


def _fund(household, points):
    services.grant(household, rule(f"gift-{household.pk}", points), reason="开户")


@pytest.mark.django_db
def test_redemption_takes_points_and_stock():
    homes = small_community(2)[1]
    _fund(homes[0], 30)
    soap = item("肥皂", price=12, stock=3)
    r = services.redeem(homes[0], soap, quantity=2)
    soap.refresh_from_db()
    assert (r.points, soap.stock, services.balance(homes[0])) == (24, 1, 6)
    assert r.entry.points == -24


@pytest.mark.django_db
def test_redemption_never_overdraws_points_or_stock():
    homes = small_community(2)[1]
    _fund(homes[0], 10)
    soap = item("肥皂", price=12, stock=3)
    with pytest.raises(ValidationError, match="Not enough points"):
        services.redeem(homes[0], soap)
    _fund(homes[1], 100)
    with pytest.raises(ValidationError, match="out of stock"):
        services.redeem(homes[1], soap, quantity=4)
    soap.refresh_from_db()
    assert soap.stock == 3 and services.balance(homes[0]) == 10 and services.balance(homes[1]) == 100
    assert not Redemption.objects.exists()


@pytest.mark.django_db
def test_an_item_of_another_community_is_refused():
    c1, homes = small_community(1)
    c2, _ = small_community(1, code="002")
    _fund(homes[0], 50)
    with pytest.raises(ValidationError, match="another community"):
        services.redeem(homes[0], item("米", price=5, stock=2, community=c2))


def _race(calls):
    """Run the calls at the same moment in threads, each on its own database connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            with translation.override("en"):
                results[i] = fn()
        except ValidationError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_households_race_for_the_last_item():
    homes = small_community(2)[1]
    for h in homes:
        _fund(h, 50)
    last = item("电饭煲", price=40, stock=1)
    results = _race([lambda h=h: services.redeem(h, last) for h in homes])
    won = [r for r in results if isinstance(r, Redemption)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(lost) == 1 and "out of stock" in lost[0].messages[0]
    assert CatalogueItem.objects.get(pk=last.pk).stock == 0
    assert sorted(services.balance(h) for h in homes) == [10, 50]


@pytest.mark.django_db(transaction=True)
def test_one_household_races_itself_for_more_than_it_has():
    homes = small_community(1)[1]
    _fund(homes[0], 50)
    a, b = item("毛巾", price=30, stock=5), item("牙膏", price=30, stock=5)
    results = _race([lambda: services.redeem(homes[0], a), lambda: services.redeem(homes[0], b)])
    assert sum(isinstance(r, Redemption) for r in results) == 1
    assert services.balance(homes[0]) == 20
    assert LedgerEntry.objects.filter(household=homes[0], points__lt=0).count() == 1
    stocks = sorted(CatalogueItem.objects.filter(pk__in=[a.pk, b.pk]).values_list("stock", flat=True))
    assert stocks == [4, 5]
