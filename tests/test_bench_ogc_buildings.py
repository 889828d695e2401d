"""The buildings top-up of the OGC paging benchmark (./dev bench --buildings N): at a tiny scale, the added buildings
lie inside their cell and compound with the generated buildings' columns, a second top-up adds nothing, and the
option is refused on the shared benchmark database."""

import pytest
from django.db.models import F

from bench import cli, generate
from bench.benchmarks.ogc import add_buildings
from grids.models import Building

pytestmark = pytest.mark.django_db(transaction=True)


def test_top_up_adds_buildings_inside_their_cells_once():
    generate.build("tiny", seed=3)
    have = Building.objects.count()
    result = add_buildings(have + 160, seed=3)
    assert result["added"] == 160 and result["buildings"] == have + 160 == Building.objects.count()

    added = Building.objects.filter(pk__gt=max(Building.objects.order_by("pk").values_list("pk", flat=True)[:have]))
    assert added.count() == 160
    assert added.filter(cell__boundary__covers=F("footprint"), compound__boundary__covers=F("footprint")).count() == 160
    assert added.filter(community=F("cell__community")).count() == 160
    assert set(added.values_list("storeys", flat=True)) <= {4, 5, 6, 7, 11, 18}
    assert all(1975 <= y <= 2022 for y in added.values_list("year_built", flat=True))
    assert len(set(added.values_list("cell", flat=True))) > 1
    top = max(added.values_list("pk", flat=True))
    new = Building.objects.create(name="after", footprint=added.first().footprint)  # the id sequence moved on
    assert new.pk > top

    assert add_buildings(have + 161, seed=3)["added"] == 0


def test_the_option_needs_a_database_of_its_own():
    with pytest.raises(SystemExit):
        cli.main(["--buildings", "1000"])
    with pytest.raises(SystemExit):
        cli.main(["--buildings", "0", "--database", "gridwork_bench_x"])
