"""Assets inside a zone by family, damaged ones, green area clipped to the zone and its adopted share."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from shapely.geometry import box

from assets.models import Adoption, Asset, AssetType
from grids.tests.factories import geos, make_community, point
from planning.tests.factories import zone

pytestmark = pytest.mark.django_db


def asset(code, geom, **kw):
    t = AssetType.objects.get(family__code=code[:2], code=code[2:])
    return Asset.objects.create(type=t, name=kw.pop("name", code), geom=geom, **kw)


def test_assets_green_area_and_adopted_share_inside_a_zone(django_user_model):
    call_command("loaddata", "asset_types", verbosity=0)
    make_community()
    asset("0101", point(10, 10), condition=Asset.Condition.DAMAGED)
    asset("0101", point(20, 10))
    asset("0103", point(30, 10), condition=Asset.Condition.MISSING)
    asset("0301", point(40, 40))
    asset("0301", point(400, 400))  # outside the zone
    half_in = asset("0401", geos(box(120, 0, 260, 100))[0], open_for_adoption=True)  # 80 × 100 m inside
    asset("0401", geos(box(20, 150, 60, 190))[0])  # 40 × 40 m, all inside
    user = django_user_model.objects.create_user("adopter", password="x" * 12)
    reviewer = django_user_model.objects.create_superuser("reviewer", password="x" * 12)
    today = timezone.localdate()
    a = Adoption(
        asset=half_in,
        applicant=user,
        adopter_name="王芳",
        contact_phone="13812345678",
        start=today,
        end=today + timedelta(days=90),
    )
    a.full_clean()
    a.save()
    a.review(reviewer, True)

    z = zone(0, 0, 200, 200)
    s = z.stats["assets"]
    families = {f["code"]: (f["count"], f["damaged"]) for f in s["by_family"]}
    assert families == {"01": (3, 2), "03": (1, 0), "04": (2, 0)}
    assert (s["count"], s["damaged"]) == (6, 2)
    zone_shape = box(0, 0, 200, 200)
    expected_green = zone_shape.intersection(box(120, 0, 260, 100)).area + box(20, 150, 60, 190).area
    assert s["green_m2"] == pytest.approx(expected_green, abs=0.1)
    assert s["adopted_green_m2"] == pytest.approx(80 * 100, abs=0.1)
    assert s["adopted_share_pct"] == pytest.approx(round(100 * 8000 / expected_green, 1))
