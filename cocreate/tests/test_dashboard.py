"""The dashboard's co-creation sections: participation (share of households that took part this year) and the
residents' satisfaction per department, grid cell and project."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, State
from cases.tests.factories import in_english, report
from cocreate import evaluation, services
from cocreate.models import Contribution, Meeting
from cocreate.tests.factories import scene as make_scene
from grids.tests.factories import point

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    return make_scene(django_user_model)


def rows_of(client, community, title):
    resp = client.get(reverse("cogov:dashboard", args=["community", community.pk]))
    assert resp.status_code == 200
    for section in resp.context["f"].extra:
        if str(section["title"]) == title:
            return {str(r[0]): r[1] for r in section["rows"]}
    return None


def test_participation_counts_each_household_once_whatever_it_took_part_in(client, scene):
    hh = scene["households"]
    m = Meeting.objects.create(community=scene["community"], title="议事会", held_at=timezone.now(), venue="议事亭")
    m.households.set(hh[:2])
    from planning.models import Project
    from planning.tests.factories import zone

    project = Project.objects.create(zone=zone(50, 50, 250, 250), name="改造")
    Contribution.objects.create(
        community=scene["community"],
        project=project,
        kind="money",
        amount=Decimal("100"),
        contributor_kind="household",
        household=hh[2],
        on=timezone.localdate() - timedelta(days=400),
    )  # last year: does not count
    need = services.post_need(scene["worker"], title="修路", description="路面坑洼", location=point(150, 150))
    services.support(need, scene["resident"])  # the resident's household is hh[0]: already counted
    from cocreate.dashboard import participating

    assert participating(scene["community"].households.all(), timezone.localdate()).count() == 2
    last_year = timezone.now() - timedelta(days=400)
    Meeting.objects.filter(pk=m.pk).update(held_at=last_year)
    assert participating(scene["community"].households.all(), timezone.localdate()).count() == 1
    client.force_login(scene["manager"])
    rows = rows_of(client, scene["community"], "Co-creation: participation")
    assert rows["Participation: share of households (%)"] == 25.0
    page = client.get(reverse("cogov:dashboard", args=["community", scene["community"].pk])).content.decode()
    assert "Co-creation: participation" in page and "Participation: share of households (%)" in page


def test_rating_a_handled_case_is_taking_part(scene, django_user_model):
    from accounts.models import Membership, Role
    from cocreate.dashboard import participating

    neighbour = django_user_model.objects.create_user("cc_neighbour")
    Membership.objects.create(user=neighbour, role=Role.RESIDENT, household=scene["households"][3])
    case = report(reporter=neighbour)
    Case.objects.filter(pk=case.pk).update(state=State.CLOSED, closed_at=timezone.now())
    case.refresh_from_db()
    households = scene["community"].households.all()
    assert not participating(households, timezone.localdate()).exists()
    evaluation.rate_case(case, "satisfied", neighbour)
    assert list(participating(households, timezone.localdate())) == [scene["households"][3]]


def test_satisfaction_per_department_and_cell(client, scene):
    for x, level in ((100, "satisfied"), (200, "not"), (700, "basic")):
        case = report(x=x, reporter=scene["resident"])
        Case.objects.filter(pk=case.pk).update(state=State.CLOSED, closed_at=timezone.now(), department="区环卫所")
        case.refresh_from_db()
        evaluation.rate_case(case, level, scene["resident"], note="说明")
    client.force_login(scene["manager"])
    rows = rows_of(client, scene["community"], "Co-creation: residents' satisfaction")
    assert rows["Case ratings by reporters"] == 3
    assert rows["Satisfied or basically satisfied (%)"] == 66.7
    assert rows["Satisfaction, department 区环卫所 (%)"] == 66.7
    assert rows[f"Satisfaction, grid cell {scene['west'].code} (%)"] == 50.0
    assert rows[f"Satisfaction, grid cell {scene['east'].code} (%)"] == 100.0
