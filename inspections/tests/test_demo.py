"""The inspection and patrol demo data: built on a community with its manager, workers and facilities (as the demo
city has them), loaded once, nothing dated after now."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from field.models import Patrol
from inspections.models import Checklist, Inspection, ItemResult

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def demo_city(django_user_model):
    from datetime import date

    from accounts.models import Membership, Role
    from assets.models import Asset, AssetType
    from grids.models import GridAssignment
    from grids.tests.factories import make_cells, make_community, point

    call_command("loaddata", "case_categories", verbosity=0)
    call_command("loaddata", "asset_types", verbosity=0)
    community = make_community()
    cells = make_cells(community, 2, 2)
    manager = django_user_model.objects.create_user("m_demo", password="x-long-password-1")
    Membership.objects.create(user=manager, role=Role.MANAGER, community=community)
    for k, cell in enumerate(cells[:3]):
        worker = django_user_model.objects.create_user(f"gw{k}", password="x-long-password-1")
        GridAssignment.objects.create(cell=cell, worker=worker, start=date(2020, 1, 1))
    points = AssetType.objects.get(family__code="03", code="02")
    for x, y in ((100, 700), (300, 600), (700, 700), (200, 100)):
        Asset.objects.create(type=points, name="垃圾收集点", geom=point(x, y))


def test_demo_inspections_and_patrols_are_in_the_past_and_load_once(demo_city):
    call_command("build_demo_inspections", seed=2026, verbosity=0)
    call_command("build_demo_patrols", seed=2026, verbosity=0)
    now = timezone.now()
    assert Checklist.objects.filter(target="cells").count() == 1
    assert Checklist.objects.filter(target="asset_type").exists()
    inspections = Inspection.objects.count()
    assert inspections >= 5
    assert not Inspection.objects.filter(inspected_at__gt=now).exists()
    failed = ItemResult.objects.filter(passed=False)
    assert failed.exists() and not failed.filter(case__isnull=True).exists()
    assert all(i.inspector_id for i in Inspection.objects.all())
    patrols = Patrol.objects.count()
    assert patrols >= 3 and not Patrol.objects.filter(ended_at__gt=now).exists()
    assert not Patrol.objects.filter(cell__isnull=True).exists() and not Patrol.objects.filter(length_m__lte=0).exists()
    call_command("build_demo_inspections", seed=2026, verbosity=0)
    call_command("build_demo_patrols", seed=2026, verbosity=0)
    assert Inspection.objects.count() == inspections and Patrol.objects.count() == patrols
