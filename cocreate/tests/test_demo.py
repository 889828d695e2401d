"""The demo data: built on the demo city, loaded once, every instrument present, nothing dated after now —
also when it is loaded just after midnight local time (before eight in the morning UTC+8 the UTC date is
yesterday's)."""

from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cocreate.demo import _at
from cocreate.models import CaseRating, Contribution, Finding, Mediation, Meeting, Need, NeedSupport, SpotCheckItem
from cogov.models import LedgerEntry

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def demo_city(django_user_model):
    call_command("build_demo_city", seed=2026, verbosity=0)
    call_command("build_demo_cases", seed=2026, count=150, verbosity=0)
    call_command("build_demo_planning", seed=2026, verbosity=0)
    call_command("build_demo_cogov", seed=2026, verbosity=0)
    call_command("setup_roles", verbosity=0)
    django_user_model.objects.create_superuser("admin", password="x-long-password-1")
    call_command("build_demo_memberships", verbosity=0)


def test_demo_has_every_instrument_in_the_past_and_loads_once(demo_city):
    call_command("build_demo_cocreate", seed=2026, verbosity=0)
    now = timezone.now()
    meeting = Meeting.objects.get()
    assert meeting.published_at and meeting.decisions.count() >= 2 and meeting.households.count() > 10
    assert Need.objects.count() == 8 and Finding.objects.count() >= 7 and Mediation.objects.count() == 5
    assert Contribution.objects.filter(kind="labour", points_entry__isnull=False).exists()
    assert Contribution.objects.filter(kind="land", area_m2__gt=90).exists()
    assert CaseRating.objects.exists()
    assert SpotCheckItem.objects.filter(result="fail").exists() and SpotCheckItem.objects.filter(result="pass").exists()
    for model, field in ((Need, "created_at"), (Meeting, "held_at"), (Meeting, "published_at"), (Finding, "at")):
        assert not model.objects.filter(**{f"{field}__gt": now}).exists(), (model, field)
    assert not Finding.objects.filter(case__created_at__gt=now).exists()
    assert not Mediation.objects.filter(received_on__gt=timezone.localdate()).exists()
    assert not NeedSupport.objects.filter(at__gt=now).exists()
    assert not LedgerEntry.objects.filter(at__gt=now).exists()
    call_command("build_demo_cocreate", seed=2026, verbosity=0)
    assert Meeting.objects.count() == 1 and Need.objects.count() == 8


def test_demo_times_just_after_midnight_local_time_are_not_in_the_future():
    """At 00:30 in Shanghai (16:30 UTC the day before) "today at 19:00" is still to come: the demo takes now."""
    tz = timezone.get_current_timezone()
    just_after_midnight = datetime.combine(timezone.localdate(), time(0, 30), tzinfo=tz)
    assert _at(just_after_midnight, 0, hour=19) == just_after_midnight
    assert _at(just_after_midnight, 1, hour=19) == datetime.combine(
        timezone.localdate() - timedelta(days=1), time(19, 0), tzinfo=tz
    )
    assert _at(just_after_midnight, 20, hour=10) < just_after_midnight
