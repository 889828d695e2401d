"""One household, one vote; changes replace the earlier vote; live rates by households and floor area."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from grids.models import Household
from grids.tests.factories import in_test_district, make_community, point
from planning.consent import consent, not_voted, record_vote
from planning.models import Vote
from planning.tests.factories import eligible_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(django_user_model):
    user = django_user_model.objects.create_user("worker")
    user.user_permissions.add(Permission.objects.get(codename="add_vote"))
    in_test_district(user)
    return django_user_model.objects.get(pk=user.pk)


def test_one_vote_per_household_and_a_change_replaces_it(worker):
    c, z, project = eligible_setup(make_community())
    h = Household.objects.filter(building__compound=c).first()
    record_vote(project, h, Vote.Choice.DISAGREE, channel=Vote.Channel.WORKER, user=worker)
    record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.RESIDENT)
    vote = Vote.objects.get()
    assert (vote.choice, vote.channel, vote.changes) == ("agree", "resident", 1)
    rate = consent(project, z.boundary)
    assert (rate.households, rate.voted, rate.agree, rate.disagree) == (9, 1, 1, 0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(project=project, household=h, choice="abstain", channel="worker")


def test_rates_by_households_and_by_floor_area(worker):
    c, z, project = eligible_setup(make_community())
    small = Household.objects.filter(building__compound=c, building__storeys=5).order_by("pk")  # 1333.3 m² each
    big = Household.objects.filter(building__compound=c, building__storeys=6).order_by("pk")  # 800 m² each
    for h in small:
        record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.WORKER, user=worker)
    record_vote(project, big[0], Vote.Choice.ABSTAIN, channel=Vote.Channel.WORKER, user=worker)
    record_vote(project, big[1], Vote.Choice.DISAGREE, channel=Vote.Channel.WORKER, user=worker)
    rate = consent(project, z.boundary)
    assert (rate.agree, rate.disagree, rate.abstain, rate.voted) == (3, 1, 1, 5)
    assert rate.by_households_pct == pytest.approx(100 * 3 / 9, abs=0.05)
    assert rate.floor_area_m2 == pytest.approx(40 * 20 * 6 + 40 * 20 * 5, rel=1e-6)
    assert rate.by_area_pct == pytest.approx(100 * 4000 / 8800, abs=0.05)
    assert sorted(not_voted(project).values_list("pk", flat=True)) == sorted(h.pk for h in big[2:])


def test_only_households_inside_the_zone_vote_and_only_workers_record(django_user_model):
    _c, _z, project = eligible_setup(make_community())
    outside = Household.objects.create(head_name="赵六", location=point(600, 600))
    with pytest.raises(ValidationError, match="not inside"):
        record_vote(project, outside, Vote.Choice.AGREE, channel=Vote.Channel.RESIDENT)
    inside = Household.objects.filter(building__isnull=False).first()
    stranger = django_user_model.objects.create_user("stranger")
    with pytest.raises(PermissionDenied):
        record_vote(project, inside, Vote.Choice.AGREE, channel=Vote.Channel.WORKER, user=stranger)
    with pytest.raises(ValidationError, match="agree, disagree or abstain"):
        record_vote(project, inside, "maybe", channel=Vote.Channel.RESIDENT)
    assert not Vote.objects.exists()


def test_a_household_without_a_location_counts_through_its_building(worker):
    c, z, project = eligible_setup(make_community())
    h = Household.objects.filter(building__compound=c).order_by("pk").first()
    Household.objects.filter(pk=h.pk).update(location=None)
    rate = consent(project, z.boundary)
    assert rate.households == 9  # still in the denominator
    assert h.pk in not_voted(project).values_list("pk", flat=True)
    record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.WORKER, user=worker)
    assert consent(project, z.boundary).agree == 1
