"""Each eligibility rule passes or fails with its reason; thresholds come from settings."""

from fractions import Fraction

import pytest
from shapely.geometry import box

from grids.models import Household
from grids.tests.factories import geos, make_community
from planning.consent import record_vote
from planning.eligibility import check_compound
from planning.models import CompoundRecord, DemolitionPlan, Vote
from planning.tests.factories import building, eligible_setup

pytestmark = pytest.mark.django_db


def rules(compound, project=None):
    return {r.code: r for r in check_compound(compound, project)}


def agree(project, n, compound):
    for h in Household.objects.filter(building__compound=compound).order_by("pk")[:n]:
        record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.RESIDENT)


def test_a_compound_meeting_every_rule_passes_with_reasons():
    c, _z, project = eligible_setup(make_community())
    agree(project, 9, c)
    r = rules(c, project)
    assert all(x.passed for x in r.values()), [x.reason for x in r.values()]
    assert "2 of 2 buildings, 100.0% of the floor area" in r["built_before"].reason
    assert "9 of 9 households agree" in r["consent"].reason


def test_a_newer_building_with_a_small_share_keeps_the_compound_old():
    c, _z, _p = eligible_setup(make_community())  # 4800 + 4000 m² built in 1988 and 1995
    building(c, 250, 120, 280, 140, year=2003, storeys=6, name="7号楼")  # 3600 m²
    r = rules(c)["built_before"]
    assert r.passed and "2 of 3 buildings, 71.0% of the floor area" in r.reason


def test_mostly_newer_floor_area_fails_with_the_share():
    c, _z, _p = eligible_setup(make_community())
    building(c, 120, 240, 200, 280, year=2003, storeys=6, name="7号楼")  # 19200 m²
    r = rules(c)["built_before"]
    assert not r.passed and "31.4% of the floor area" in r.reason and "2000" in r.reason


def test_cutoff_year_and_share_are_configurable(settings):
    c, _z, _p = eligible_setup(make_community())
    settings.PLANNING = {**settings.PLANNING, "BUILT_BEFORE": 1990}
    r = rules(c)["built_before"]
    assert r.passed and "1 of 2 buildings, 54.5% of the floor area, were built before 1990" in r.reason
    settings.PLANNING = {**settings.PLANNING, "BUILT_BEFORE": 1990, "BUILT_BEFORE_SHARE": 0.6}
    r = rules(c)["built_before"]
    assert not r.passed and "at least 60% is required" in r.reason
    settings.PLANNING = {**settings.PLANNING, "BUILT_BEFORE": 1985, "BUILT_BEFORE_SHARE": 0.5}
    assert "0 of 2 buildings, 0.0% of the floor area" in rules(c)["built_before"].reason


def test_unknown_year_counts_as_not_built_before():
    c, _z, _p = eligible_setup(make_community())
    building(c, 120, 240, 200, 280, year=None, name="无档案楼")
    r = rules(c)["built_before"]
    assert not r.passed and "1 buildings have no year built recorded" in r.reason


def test_inside_a_demolition_plan_fails_with_the_overlap_in_m2():
    c, _z, _p = eligible_setup(make_community())
    DemolitionPlan.objects.create(name="二期征收范围", area=geos(box(250, 100, 400, 300)))
    r = rules(c)["not_demolished"]
    assert not r.passed and "二期征收范围" in r.reason
    assert "10000.0 m²" in r.reason  # 50 m × 200 m of the compound


def test_a_plan_that_only_touches_the_compound_passes():
    c, _z, _p = eligible_setup(make_community())
    DemolitionPlan.objects.create(name="邻近地块", area=geos(box(300, 100, 400, 300)))
    assert rules(c)["not_demolished"].passed


def test_a_single_storey_building_fails_multi_storey():
    c, _z, _p = eligible_setup(make_community())
    building(c, 250, 120, 280, 140, storeys=1, name="平房")
    r = rules(c)["multi_storey"]
    assert not r.passed and "平房" in r.reason and "1 storeys" in r.reason


def test_consent_needs_two_thirds_of_households_and_of_floor_area():
    c, _z, project = eligible_setup(make_community())
    assert not rules(c, project)["consent"].passed  # nobody has voted
    agree(project, 6, c)  # 6 of 9 households: the six of the larger building, 4800 of 8800 m² (54.5%)
    r = rules(c, project)["consent"]
    assert not r.passed and "6 of 9 households agree (66.7%)" in r.reason and "54.5%" in r.reason
    agree(project, 7, c)  # 7 of 9 and 6133.3 of 8800 m² (69.7%)
    r = rules(c, project)["consent"]
    assert r.passed, r.reason
    assert "69.7%" in r.reason


def test_consent_share_is_configurable(settings):
    c, _z, project = eligible_setup(make_community())
    agree(project, 7, c)
    settings.PLANNING = {**settings.PLANNING, "CONSENT_SHARE": Fraction(4, 5)}
    assert not rules(c, project)["consent"].passed


def test_fee_collection_below_half_fails_and_missing_rate_fails():
    c, _z, _p = eligible_setup(make_community())
    CompoundRecord.objects.filter(compound=c).update(fee_collection_pct=42.5)
    r = rules(c)["fee_collection"]
    assert not r.passed and "42.5%" in r.reason
    CompoundRecord.objects.filter(compound=c).update(fee_collection_pct=None)
    assert "No property-fee" in rules(c)["fee_collection"].reason
    CompoundRecord.objects.filter(compound=c).update(fee_collection_pct=50)
    assert rules(c)["fee_collection"].passed


def test_a_demolition_plan_imported_as_an_overlay_layer_counts_too():
    from layers.models import Feature, FeatureLayer

    c, _z, _p = eligible_setup(make_community())
    layer = FeatureLayer.objects.create(name="征收拆迁计划")
    Feature.objects.create(layer=layer, name="三期", geom=geos(box(0, 0, 150, 400))[0])
    r = rules(c)["not_demolished"]
    assert not r.passed and "征收拆迁计划 · 三期" in r.reason and "10000.0 m²" in r.reason
    layer.name = "规划道路"  # another overlay layer is not a demolition plan
    layer.save()
    assert rules(c)["not_demolished"].passed


def test_demolition_plans_import_from_a_file(tmp_path):
    import json

    from django.core.management import call_command

    c, _z, _p = eligible_setup(make_community())
    area = geos(box(250, 100, 400, 300))
    path = tmp_path / "plans.geojson"
    feature = {"type": "Feature", "geometry": json.loads(area.json), "properties": {"NAME": "四期征收", "YEAR": 2031}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    call_command("import_layer", str(path), target="demolitionplan", map=["name=NAME", "until_year=YEAR"], key="name")
    assert DemolitionPlan.objects.get().until_year == 2031
    r = rules(c)["not_demolished"]
    assert not r.passed and "四期征收" in r.reason and "10000.0 m²" in r.reason
