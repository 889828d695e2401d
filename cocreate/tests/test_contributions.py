"""共建: contributions of money, labour, materials and land, totalled beside the funding of the renovation items;
the public thank-you list (door plate or alias only); volunteer hours earn points exactly once."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from shapely.geometry import box

from cases.tests.factories import in_english
from cocreate import services
from cocreate.models import Contribution
from cocreate.tests.factories import scene as make_scene
from cogov.models import LedgerEntry, PointRule, Source
from cogov.services import AlreadyGranted, grant
from grids.tests.factories import geos

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    from planning.models import Item, Project
    from planning.tests.factories import zone

    s = make_scene(django_user_model)
    s["project"] = Project.objects.create(zone=zone(50, 50, 250, 250), name="和平小区改造")
    Item.objects.create(
        project=s["project"],
        name="雨污分流",
        item_class="basic",
        quantity=Decimal("300"),
        unit="m",
        cost_estimate=Decimal("500000"),
        fund_government=Decimal("300000"),
        fund_utilities=Decimal("100000"),
        fund_residents=Decimal("20000"),
    )
    PointRule.objects.create(code="volunteer-hour", name="志愿服务", source=Source.VOLUNTEER, points=2, monthly_cap=40)
    return s


def contribution(s, **kw):
    fields = dict(
        community=s["community"], project=s["project"], contributor_kind="household", household=s["households"][0]
    )
    fields.update(kw)
    return Contribution(**fields)


def test_totals_sit_beside_the_funding_and_land_is_measured_in_square_metres(client, scene):
    m = scene["manager"]
    services.record_contribution(contribution(scene, kind="money", amount=Decimal("500"), alias="热心邻居"), m)
    services.record_contribution(
        contribution(
            scene,
            kind="materials",
            item="水泥",
            quantity=Decimal("20"),
            value=Decimal("800"),
            contributor_kind="business",
            household=None,
            contributor_name="建材店",
        ),
        m,
    )
    land = geos(box(100, 100, 110, 120))[0]  # 10 m × 20 m, drawn in degrees
    saved = services.record_contribution(
        contribution(scene, kind="land", area=land, household=scene["households"][1]), m
    )
    assert saved.area_m2 == pytest.approx(200, abs=0.5)
    from cocreate.contributions import project_totals

    totals = project_totals(scene["project"])
    assert (totals["money"], totals["materials"], totals["in_kind_value"]) == (500, 800, 1300)
    assert dict((str(k), v) for k, v in totals["funding"])["funded by government (yuan)"] == 300000
    page = client.get(reverse("cocreate:thanks", args=[scene["project"].pk]))
    assert page.status_code == 404  # the plan is not published yet: staff only
    client.force_login(m)
    html = client.get(reverse("cocreate:thanks", args=[scene["project"].pk])).content.decode()
    assert "热心邻居" in html and "建材店" in html and "东1室" in html and "300000" in html
    assert "欧阳秀英" not in html and "13900001111" not in html


def test_bad_contributions_name_the_field_and_save_nothing(scene):
    m = scene["manager"]
    cases = [
        (dict(kind="money"), "amount"),
        (dict(kind="labour", hours=Decimal("3")), "hours"),
        (dict(kind="land"), "area"),
        (dict(kind="money", amount=Decimal("5"), project=None), "project"),
        (dict(kind="money", amount=Decimal("5"), contributor_kind="business", household=None), "contributor_name"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.record_contribution(contribution(scene, **fields), m)
        assert field in exc.value.message_dict, (fields, exc.value.message_dict)
    assert not Contribution.objects.exists()


def test_volunteer_hours_earn_points_once_with_the_contribution_as_source(scene):
    c = services.record_contribution(
        contribution(scene, kind="labour", hours=Decimal("3"), work="清理楼道杂物"), scene["manager"]
    )
    entry = LedgerEntry.objects.get(household=scene["households"][0])
    assert entry.points == 6 and c.points_entry == entry and entry.source_id == str(c.pk)
    services.record_contribution(c, scene["manager"])  # saved again: no second grant
    with pytest.raises(AlreadyGranted):
        grant(scene["households"][0], "volunteer-hour", source=c, quantity=3)
    assert LedgerEntry.objects.filter(household=scene["households"][0]).count() == 1


def test_a_contribution_outside_the_users_area_is_refused(scene, django_user_model):
    from accounts.models import Membership, Role
    from grids.tests.factories import make_community

    other = django_user_model.objects.create_user("other_manager")
    Membership.objects.create(user=other, role=Role.MANAGER, community=make_community(code="002"))
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.record_contribution(contribution(scene, kind="money", amount=Decimal("5")), other)
    assert not Contribution.objects.exists() and not LedgerEntry.objects.exists()
