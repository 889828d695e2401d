"""The benchmark harness at a tiny scale: the city it builds is a valid one, and every run writes a full results table.

No timing is asserted here; the figures are read from the results files.
"""

import json

import pytest
from django.apps import apps
from django.db.models import F

from bench import generate
from bench.benchmarks import all_benchmarks
from bench.harness import Context, current_database_url, run_all
from grids.models import Building, Community, GridCell, Household, Street
from grids.topology import check_community

pytestmark = pytest.mark.django_db(transaction=True)


def test_generator_builds_a_valid_city_of_the_requested_size_the_same_for_the_same_seed():
    scale = generate.SCALES["tiny"]
    first = generate.build(scale, seed=7)
    assert first["counts"]["grids.GridCell"] == GridCell.objects.count() == scale.cells
    assert Household.objects.count() == scale.households
    assert Building.objects.count() == scale.buildings
    assert Street.objects.count() == scale.streets and Community.objects.count() == scale.communities
    for community in Community.objects.all():
        assert check_community(community) == [], community
        serials = list(community.cells.order_by("serial").values_list("code", flat=True))
        assert serials[0].endswith("001") and all(c.startswith(community.full_code) for c in serials)
    # The cell each household was written with is the one that covers it, as the project's assignment finds.
    written = dict(Household.objects.values_list("id", "cell_id"))
    assert None not in written.values()
    Household.objects.all().assign_cells()
    assert dict(Household.objects.values_list("id", "cell_id")) == written
    if apps.is_installed("assets"):
        Asset = apps.get_model("assets.Asset")
        assert Asset.objects.count() == scale.assets
        identifiers = list(Asset.objects.values_list("identifier", flat=True))
        assert len(set(identifiers)) == len(identifiers) and all(len(i) == 16 and i.isdigit() for i in identifiers)
        assert Asset.objects.filter(cell__isnull=True).count() == 0
    if apps.is_installed("cases"):
        Case = apps.get_model("cases.Case")
        assert Case.objects.count() == scale.cases
        assert Case.objects.filter(cell__boundary__covers=F("location")).count() == scale.cases
        assert {"closed", "dispatched", "reported"} <= set(Case.objects.values_list("state", flat=True))
    sample = list(Household.objects.order_by("id").values_list("head_name", "phone", "location")[:50])

    generate.build(scale, seed=7)
    assert list(Household.objects.order_by("id").values_list("head_name", "phone", "location")[:50]) == sample
    generate.build(scale, seed=8)
    assert list(Household.objects.order_by("id").values_list("head_name", "phone", "location")[:50]) != sample


def test_harness_writes_a_results_table_with_positive_figures_and_ratios(tmp_path):
    build = generate.build("tiny", seed=1)
    ctx = Context(database_url=current_database_url(), scale="tiny", seed=1, repeat=1, build=build)
    results, json_path, md_path = run_all(all_benchmarks(), ctx, tmp_path)

    saved = json.loads(json_path.read_text())
    assert saved["scale"] == "tiny" and saved["repeat"] == 1
    for key in ("cpu", "cores", "ram_gb", "postgresql", "postgis"):
        assert saved["machine"].get(key), key
    assert len(saved["load_at_start"]) == 3
    assert (tmp_path / "latest.json").read_text() == json_path.read_text()

    by_id = {b["id"]: b for b in saved["benchmarks"]}
    assert by_id["assignment"]["status"] == "ok"
    assert by_id["assignment"]["notes"]["households_with_a_cell"] == generate.SCALES["tiny"].households
    if apps.is_installed("responsibility"):
        lookup = by_id["responsibility"]
        assert lookup["status"] == "ok", lookup
        assert 0 < lookup["notes"]["points_in_a_cell"] <= lookup["notes"]["points_per_run"]
    for bench in saved["benchmarks"]:
        if bench["id"].startswith("tiles-") and bench["status"] == "ok":
            # the bare ST_AsMVT reference serves the same features as the project's tiles
            assert bench["notes"]["tiles_compared"] > 0 and bench["notes"]["tiles_that_differ"] == []
    for bench in saved["benchmarks"]:
        assert bench["status"] in ("ok", "skipped"), (bench["id"], bench.get("reason"))
        if bench["status"] == "skipped":
            assert bench["reason"]
            continue
        assert bench["figures"], bench["id"]
        for figure in bench["figures"]:
            assert figure["median"] > 0 and len(figure["runs"]) == 1, (bench["id"], figure)
            assert figure["min"] <= figure["median"] <= figure["max"]
        for ratio in bench["ratios"]:
            assert ratio["median"] > 0, (bench["id"], ratio)
            assert ratio["met"] in ((True, False) if ratio["target"] is not None else (None,)), (bench["id"], ratio)
        assert bench["load"]["before"] and bench["load"]["after"]

    table = md_path.read_text()
    assert "| benchmark | figure | median | min – max | spread | target | met |" in table
    assert "Household.objects.all().assign_cells()" in table and "bare spatial-join UPDATE" in table
    assert saved["machine"]["postgis"] in table
