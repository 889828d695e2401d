"""The public lookup's one statement (`lookup`) answers exactly what the records give (`as_dict(who_is_responsible)`):
the same cell and edge cells, workers in order (primary first, on the day), areas of every kind of party (a household
by its door plate, a person by name, an organisation), adoptions (a household adopter masked), deleted, ended and
future records left out — at points inside, on edges, outside, and on several days."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from assets.models import Adoption, AssetType
from assets.tests.helpers import make_green
from grids.models import Building, GridAssignment, Household
from grids.tests.factories import geos, make_cells, make_community, point
from responsibility.lookup import as_dict, lookup, who_is_responsible
from responsibility.models import Party, ResponsibilityArea
from responsibility.tests.factories import line, org, polygon_area

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    from shapely.geometry import box

    call_command("loaddata", "asset_types", verbosity=0)
    types = {f"{t.family.code}{t.code}": t for t in AssetType.objects.select_related("family")}
    community = make_community()
    west, east = make_cells(community, 2, 1)  # west: x 0-500, east: x 500-1000
    named = User.objects.create_user("named", first_name="小", last_name="李")
    bare = User.objects.create_user("bare_login")
    helper = User.objects.create_user("helper", first_name="阿强")
    GridAssignment.objects.create(cell=west, worker=bare, start=date(2025, 1, 1), end=date(2026, 3, 31))
    GridAssignment.objects.create(cell=west, worker=helper, role="helper", start=date(2025, 6, 1))
    GridAssignment.objects.create(cell=west, worker=named, start=date(2026, 4, 1))
    GridAssignment.objects.create(cell=east, worker=bare, start=date(2026, 4, 1))
    building = Building.objects.create(name="3栋", footprint=geos(box(100, 100, 140, 140))[0])
    in_building = Household.objects.create(
        head_name="张三丰", phone="13812341234", location=point(120, 120), building=building, unit="2", room="101"
    )
    by_address = Household.objects.create(head_name="李四", location=point(300, 300), address="幸福路8号")
    parties = [
        Party.objects.create(kind=Party.Kind.HOUSEHOLD, household=in_building),
        Party.objects.create(kind=Party.Kind.HOUSEHOLD, household=by_address),
        Party.objects.create(kind=Party.Kind.USER, user=named),
        Party.objects.create(kind=Party.Kind.USER, user=bare),
        Party.objects.create(kind=Party.Kind.DEPARTMENT, name="城管局"),
    ]
    for k, party in enumerate(parties):  # side by side, x 50-120, 130-200 … 370-440
        polygon_area(
            community, 50 + k * 80, 50, 120 + k * 80, 450, party=party, name=f"门前{k}", duties=["clean", "order"]
        )
    polygon_area(community, 0, 0, 1000, 800, kind=ResponsibilityArea.Kind.ZONE, name="全片", duties=["patrol"])
    road = ResponsibilityArea(
        kind=ResponsibilityArea.Kind.ROAD,
        name="跨界路",
        community=community,
        party=org("环卫所"),
        line=line((420, 300), (600, 300)),
        width_m=20,
        start=date(2026, 1, 1),
        end=date(2026, 5, 31),
    )
    road.full_clean()
    road.save()
    polygon_area(community, 100, 460, 200, 500, name="已删").delete()
    polygon_area(community, 100, 460, 200, 500, name="将来", start=date(2027, 1, 1))
    applicant = User.objects.create_user("resident")
    for name, kind, adopter, status in (
        ("樱花园", "household", "张三丰", "approved"),
        ("银杏林", "organisation", "好邻居便利店", "approved"),
        ("待审园", "household", "王五", "pending"),
    ):
        Adoption.objects.create(
            asset=make_green(types, 90, 90, 260, 260, name=name),
            applicant=applicant,
            adopter_name=adopter,
            contact_phone="13812345678",
            adopter_kind=kind,
            start=date(2026, 1, 1),
            end=date(2026, 12, 31),
            status=status,
        )
    return community


def test_the_statement_answers_what_the_records_give(city):
    parties = [(85 + k * 80, 150) for k in range(5)]  # one in each party's frontage, the first three in the greens
    places = [*parties, (150, 480), (420, 300), (500, 400), (500, 0), (600, 300), (999, 799), (-300, -300)]
    answers = {}
    for day in (date(2026, 3, 1), date(2026, 6, 1), date(2027, 2, 1), None):
        for x, y in places:
            p = point(x, y)
            expected = as_dict(who_is_responsible(p.x, p.y, day))
            assert lookup(p.x, p.y, day) == expected, (x, y, day)
            answers.setdefault(day, []).append(expected)
    # The scene reaches what it is for: edges, helpers, every kind of party and adopter, records out of their days.
    assert "张三丰" not in str(answers) and "13812341234" not in str(answers) and "李四" not in str(answers)
    june = answers[date(2026, 6, 1)]
    assert any(a["boundary_cells"] for a in june)
    assert [w["name"] for w in june[0]["workers"]] == ["小 李", "阿强"]
    assert [w["name"] for w in answers[date(2026, 3, 1)][0]["workers"]] == ["bare_login", "阿强"]
    shown = [a["party"] for answer in june for a in answer["areas"]]
    assert {"小 李", "bare_login", "城管局", "张**", "好邻居便利店"} <= set(shown)
    assert any("3栋-2-101" in p for p in shown) and any("幸福路8号" in p for p in shown)
    assert "环卫所" in str(answers[date(2026, 3, 1)]) and "环卫所" not in str(june)
    assert "将来" in str(answers[date(2027, 2, 1)]) and "将来" not in str(june) and "已删" not in str(answers)
