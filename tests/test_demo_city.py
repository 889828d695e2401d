"""The demo city: deterministic, the documented size, and consistent (cells tile, households assigned)."""

import pytest
from django.core.management import call_command

from grids.models import Building, Community, GridCell, Household
from grids.topology import check_community

pytestmark = pytest.mark.django_db


def test_demo_city_is_built_to_size_and_is_consistent():
    call_command("build_demo_city", seed=11, verbosity=0)
    assert Community.objects.count() == 6
    assert 45 <= GridCell.objects.count() <= 80
    assert 450 <= Building.objects.count() <= 750
    assert 12000 <= Household.objects.count() <= 18000
    assert not Household.objects.filter(cell__isnull=True).exists()
    assert not Building.objects.filter(cell__isnull=True).exists()
    for community in Community.objects.all():
        assert check_community(community) == [], community.name
    for cell in GridCell.objects.all():
        assert cell.assignments.count() == 1
    extent = Community.objects.first().boundary.extent
    assert 114.2 < extent[0] < 114.4 and 30.4 < extent[1] < 30.6


def test_demo_city_is_deterministic_for_a_seed():
    call_command("build_demo_city", seed=11, verbosity=0)
    first = list(GridCell.objects.order_by("code").values_list("code", flat=True))
    heads = list(Household.objects.order_by("id").values_list("head_name", flat=True)[:50])
    call_command("build_demo_city", seed=11, reset=True, verbosity=0)
    assert list(GridCell.objects.order_by("code").values_list("code", flat=True)) == first
    assert list(Household.objects.order_by("id").values_list("head_name", flat=True)[:50]) == heads
