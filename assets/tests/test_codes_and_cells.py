"""Classification codes, 16-digit identifiers, and automatic grid-cell assignment."""

import random

import pytest
import shapely
from django.core.management import call_command
from shapely.geometry import Point as SPoint

from assets.models import Asset, AssetFamily, AssetType
from assets.tests.helpers import make_asset, make_green
from grids.tests.factories import ORIGIN, UTM, point

pytestmark = pytest.mark.django_db


def test_types_carry_family_and_type_codes_and_load_idempotently(types):
    families = set(AssetFamily.objects.values_list("code", flat=True))
    assert families == {"01", "02", "03", "04", "05", "06"}
    for code, t in types.items():
        assert len(code) == 4 and code.isdigit() and code[:2] == t.family.code
        assert t.geometry_kind in ("point", "line", "polygon")
    assert types["0304"].label and types["0401"].geometry_kind == "polygon" and types["0205"].geometry_kind == "line"
    before = AssetType.objects.count()
    call_command("loaddata", "asset_types", verbosity=0)  # a second ./dev up
    assert AssetType.objects.count() == before


def test_a_city_adds_its_own_type_as_data(types, town):
    fam = AssetFamily.objects.get(code="06")
    t = AssetType.objects.create(
        family=fam, code="20", name="快递驿站", name_en="Parcel station", geometry_kind="point"
    )
    a = make_asset({"0620": t}, "0620", 100, 100)
    assert a.identifier == "420100" + "0620" + "000001"


def test_identifier_is_county_type_and_serial(types, town):
    first = make_asset(types, "0304", 100, 100)
    second = make_asset(types, "0304", 300, 200)
    other = make_asset(types, "0301", 500, 400)
    assert first.identifier == "4201000304000001"
    assert second.identifier == "4201000304000002"
    assert other.identifier == "4201000301000001"
    assert all(len(a.identifier) == 16 and a.identifier.isdigit() for a in (first, second, other))
    second.name = "renamed"
    second.geom = point(320, 220)
    second.save()
    second.refresh_from_db()
    assert second.identifier == "4201000304000002"  # stable on edit


def test_asset_gets_the_cell_it_falls_in(types, town):
    community, cells = town
    # cells: 2 × 2 over 1000 × 800, numbered west→east, north→south
    a = make_asset(types, "0304", 250, 600)  # north-west
    b = make_asset(types, "0304", 750, 200)  # south-east
    assert a.cell == cells[0] and b.cell == cells[3]
    assert a.community == community
    green = make_green(types, 700, 100, 800, 180)
    assert green.cell == cells[3]
    assert green.area_m2 == pytest.approx(100 * 80, rel=1e-3)


def test_bulk_assignment_matches_shapely(types, town):
    community, cells = town
    rng = random.Random(7)
    pts = [(rng.uniform(1, 999), rng.uniform(1, 799)) for _ in range(300)]
    Asset.objects.bulk_create(
        Asset(
            identifier=f"4201000301{i:06d}",
            serial=i,
            type=types["0301"],
            name=f"bin {i}",
            geom=point(x, y),
            anchor=point(x, y),
            district=community.street.district,
        )
        for i, (x, y) in enumerate(pts, 1)
    )
    Asset.objects.all().assign_cells()
    shapes = {
        c.pk: shapely.affinity.translate(
            shapely.from_wkb(bytes(c.boundary.transform(UTM, clone=True).wkb)), -ORIGIN.x, -ORIGIN.y
        )
        for c in cells
    }
    got = dict(Asset.objects.values_list("serial", "cell_id"))
    for i, (x, y) in enumerate(pts, 1):
        expected = min(pk for pk, s in shapes.items() if s.covers(SPoint(x, y)))
        assert got[i] == expected
