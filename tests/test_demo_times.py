"""The demo's records carry the times they were generated with, in the order of their steps, not the moment the
demo was loaded: adoptions, upkeep logs and inspections (assets), redemptions and ratings (cogov)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from assets.models import Adoption, Inspection, MaintenanceLog
from cogov.models import BoardEntry, LedgerEntry, Rating, Redemption

pytestmark = pytest.mark.django_db


def test_demo_assets_and_cogov_keep_their_generated_times():
    call_command("build_demo_city", seed=5, verbosity=0)
    call_command("build_demo_assets", seed=5, verbosity=0)
    call_command("build_demo_cogov", seed=5, verbosity=0)
    now = timezone.now()
    long_ago = now - timedelta(days=60)

    adoptions = Adoption.objects.all()
    assert adoptions.count() > 20
    assert adoptions.filter(created_at__lt=long_ago).count() > adoptions.count() / 2
    assert not adoptions.filter(created_at__date__gt=F("start")).exists()
    approved = adoptions.filter(status=Adoption.Status.APPROVED)
    assert not approved.filter(reviewed_at__isnull=True).exists()
    assert not approved.filter(reviewed_at__lt=F("created_at")).exists()
    assert not approved.filter(reviewed_at__date__gt=F("start")).exists()

    logs = MaintenanceLog.objects.all()
    assert logs.count() > 20 and not logs.exclude(created_at__date=F("date")).exists()
    inspections = Inspection.objects.all()
    assert inspections.count() > 20
    assert not inspections.exclude(created_at=F("inspected_at")).exists()
    assert not inspections.filter(inspected_at__gt=now).exists()
    assert inspections.values("inspected_at__date").distinct().count() > 20

    redemptions = Redemption.objects.select_related("entry")
    assert redemptions.count() > 20
    assert redemptions.values("at__date").distinct().count() > 5
    for r in redemptions:
        assert r.at <= now and r.entry.at == r.at
        earned = LedgerEntry.objects.filter(household=r.household, points__gt=0, at__lte=r.at)
        assert sum(earned.values_list("points", flat=True)) >= r.points

    ratings = Rating.objects.all()
    assert ratings.count() == 80
    assert ratings.values("created_at__date").distinct().count() > 20
    assert not ratings.filter(created_at__gt=now).exists()
    assert not ratings.filter(assessed_at__lte=F("created_at")).exists()
    assert not ratings.filter(decided_at__lte=F("assessed_at")).exists()
    assert not ratings.filter(decided_at__gt=now).exists()
    awarded = ratings.filter(status=Rating.Status.AWARDED)
    assert awarded.exists()
    for rating in awarded:
        entry = LedgerEntry.objects.get(source_id=str(rating.pk), rule__code=f"rating-{rating.kind}")
        assert entry.at == rating.decided_at
        board = BoardEntry.objects.get(rating=rating)
        assert board.published == timezone.localtime(rating.decided_at).date()
