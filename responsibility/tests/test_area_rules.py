"""Rules on save: inside the community, no overlap with areas of the same kind and period, simple lines."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from grids.tests.factories import make_community
from responsibility.models import ResponsibilityArea
from responsibility.tests.factories import line, org, polygon_area

pytestmark = pytest.mark.django_db


def m2(message):
    return float(re.search(r"([\d.]+) m²", message).group(1))


def test_overlap_with_same_kind_is_refused_with_the_area_in_m2():
    community = make_community()
    polygon_area(community, 0, 0, 100, 20, name="好邻居门前")
    other = polygon_area(community, 90, 0, 200, 20, save=False)
    with pytest.raises(ValidationError) as err:
        other.full_clean()
    message = " ".join(err.value.messages)
    assert "好邻居门前" in message
    assert m2(message) == pytest.approx(10 * 20, rel=1e-3)
    assert ResponsibilityArea.objects.count() == 1


def test_overlap_with_another_kind_or_another_period_is_allowed():
    community = make_community()
    polygon_area(community, 0, 0, 100, 20, start=date(2026, 1, 1), end=date(2026, 3, 31))
    polygon_area(community, 0, 0, 100, 20, start=date(2026, 4, 1))  # next holder of the same frontage
    polygon_area(community, 0, 0, 500, 500, kind=ResponsibilityArea.Kind.ZONE)
    assert ResponsibilityArea.objects.count() == 3


def test_touching_areas_within_tolerance_are_fine():
    community = make_community()
    polygon_area(community, 0, 0, 100, 20)
    polygon_area(community, 100, 0, 200, 20)
    assert ResponsibilityArea.objects.count() == 2


def test_area_outside_its_community_is_refused():
    community = make_community()
    area = polygon_area(community, 950, 0, 1050, 20, save=False)
    with pytest.raises(ValidationError) as err:
        area.full_clean()
    assert m2(" ".join(err.value.messages)) == pytest.approx(50 * 20, rel=1e-3)


def test_community_is_found_from_the_geometry():
    community = make_community()
    area = polygon_area(community, 10, 10, 50, 30, save=False)
    area.community = None
    area.full_clean()
    assert area.community == community


def test_street_segment_is_buffered_to_its_width_in_metres():
    community = make_community()
    seg = ResponsibilityArea(
        kind=ResponsibilityArea.Kind.ROAD,
        name="一路",
        community=community,
        party=org(),
        line=line((100, 400), (900, 400)),
        width_m=10,
    )
    seg.full_clean()
    seg.save()
    from common.geometry import area_m2

    # 800 m × 10 m plus round caps of radius 5 m (quadsegs=4 polygon ≈ 0.9745 πr²)
    assert area_m2(seg.area) == pytest.approx(8000 + 0.9745 * 3.14159 * 25, rel=2e-3)


def test_self_crossing_line_is_refused():
    community = make_community()
    seg = ResponsibilityArea(
        kind=ResponsibilityArea.Kind.ROAD,
        name="绕圈路",
        community=community,
        party=org(),
        line=line((100, 100), (300, 300), (300, 100), (100, 300)),
        width_m=6,
    )
    with pytest.raises(ValidationError) as err:
        seg.full_clean()
    assert "line" in err.value.message_dict


def test_segment_needs_a_sensible_width():
    community = make_community()
    seg = ResponsibilityArea(
        kind=ResponsibilityArea.Kind.ROAD,
        name="一路",
        community=community,
        party=org(),
        line=line((100, 400), (900, 400)),
        width_m=0,
    )
    with pytest.raises(ValidationError) as err:
        seg.full_clean()
    assert "width_m" in err.value.message_dict
