"""每周抽查 and 红黑榜: a manager samples a week's findings of a campaign (random, reproducible from the stored seed,
once a week), records pass or fail; the red/black board ranks the communities of the campaign's wave by closure,
on-time and spot-check pass rates — on the campaign page and on a public page naming no person."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from cases.models import Case, Category, State
from cases.tests.factories import in_english
from cocreate import campaigns, spotchecks
from cocreate.models import Campaign, SpotCheck, SpotCheckItem
from cocreate.tests.factories import scene as make_scene
from grids.tests.factories import make_cells, make_community, point

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    s = make_scene(django_user_model)
    today = timezone.localdate()
    s["admin"] = django_user_model.objects.create_superuser("sc_admin", password="x-long-password-1")
    s["other"] = make_community(code="002")
    make_cells(s["other"], 1, 1)
    s["other_manager"] = django_user_model.objects.create_user("sc_other_manager")
    Membership.objects.create(user=s["other_manager"], role=Role.MANAGER, community=s["other"])
    for key, community in (("campaign", s["community"]), ("other_campaign", s["other"])):
        c = Campaign.objects.create(
            community=community, name="环境整治月", start=today - timedelta(days=13), end=today + timedelta(days=14)
        )
        c.cells.set(community.cells.all())
        s[key] = c
    s["findings"] = [record(s, s["campaign"], 100 + 60 * i) for i in range(5)]
    s["other_findings"] = [record(s, s["other_campaign"], 1100 + 60 * i) for i in range(2)]
    s["week"] = spotchecks.monday(today)
    return s


def record(s, campaign, x):
    return campaigns.record_finding(
        campaign,
        s["admin"],
        category=Category.objects.get(code="0101"),
        description="暴露垃圾",
        location=point(x, 100),
    )


def test_the_sample_is_random_but_reproducible_from_its_stored_seed(scene):
    check = spotchecks.draw(scene["campaign"], scene["manager"], scene["week"], 3)
    drawn = list(check.items.values_list("finding_id", flat=True).order_by("pk"))
    assert len(drawn) == 3 and set(drawn) <= {f.pk for f in scene["findings"]}
    check.refresh_from_db()
    assert spotchecks.sample(scene["campaign"], check.week, check.size, check.seed) == drawn
    # Different seeds give different samples (over a few seeds not all five findings come out in the same order).
    orders = {tuple(spotchecks.sample(scene["campaign"], scene["week"], 5, seed)) for seed in range(8)}
    assert len(orders) > 1
    with pytest.raises(ValidationError, match="already drawn"):
        spotchecks.draw(scene["campaign"], scene["manager"], scene["week"], 2)
    assert SpotCheckItem.objects.count() == 3


def test_bad_draws_are_refused_and_nothing_is_kept(scene):
    campaign, manager = scene["campaign"], scene["manager"]
    with pytest.raises(ValidationError, match="Monday"):
        spotchecks.draw(campaign, manager, scene["week"] + timedelta(days=1), 2)
    with pytest.raises(ValidationError, match="still to come"):
        spotchecks.draw(campaign, manager, scene["week"] + timedelta(days=7), 2)
    with pytest.raises(ValidationError, match="No findings"):
        spotchecks.draw(campaign, manager, scene["week"] - timedelta(days=7), 2)
    with pytest.raises(ValidationError, match="between 1 and 50"):
        spotchecks.draw(campaign, manager, scene["week"], 51)
    for user in (scene["worker"], scene["other_manager"]):
        with pytest.raises(PermissionDenied):
            spotchecks.draw(campaign, user, scene["week"], 2)
    assert not SpotCheck.objects.exists()


def test_a_manager_draws_and_records_on_the_campaign_page_others_get_404(client, scene):
    url = reverse("cocreate:spot-check-draw", args=[scene["campaign"].pk])
    week = scene["week"].isoformat()
    for who in ("worker", "other_manager", "resident"):
        client.force_login(scene[who])
        assert client.post(url, {"week": week, "size": 2}).status_code == 404
    assert not SpotCheck.objects.exists()
    client.force_login(scene["manager"])
    client.post(url, {"week": week, "size": 2})
    item = SpotCheckItem.objects.order_by("pk").first()
    result_url = reverse("cocreate:spot-check-result", args=[item.pk])
    page = client.post(result_url, {"result": "fail"}, follow=True).content.decode()
    assert "Say what failed the check." in page
    client.post(result_url, {"result": "fail", "note": "垃圾未清"})
    item.refresh_from_db()
    assert (item.result, item.note, item.checked_by) == ("fail", "垃圾未清", scene["manager"])
    client.force_login(scene["other_manager"])
    assert client.post(result_url, {"result": "pass"}).status_code == 404
    item.refresh_from_db()
    assert item.result == "fail"
    client.force_login(scene["manager"])
    page = client.get(reverse("cocreate:campaign", args=[scene["campaign"].pk])).content.decode()
    assert 'id="spot-checks"' in page and "垃圾未清" in page
    assert f'name="week" value="{week}"' in page  # this week's Monday, ready to draw


def test_the_red_and_black_board_ranks_the_communities_of_the_wave(client, scene):
    now = timezone.now()
    mine = [f.case_id for f in scene["findings"]]
    # Community 001: 4 of 5 closed, 3 of them by the deadline; community 002: nothing closed.
    Case.objects.filter(pk__in=mine[:4]).update(state=State.CLOSED, closed_at=now, deadline_at=now + timedelta(days=1))
    Case.objects.filter(pk=mine[3]).update(deadline_at=now - timedelta(days=1))
    check = spotchecks.draw(scene["campaign"], scene["manager"], scene["week"], 2)
    a, b = check.items.all()
    spotchecks.record(a, scene["manager"], "pass")
    spotchecks.record(b, scene["manager"], "fail", "未整改")
    rows = spotchecks.board(scene["campaign"])
    assert [(r.name, r.mark) for r in rows] == [(scene["community"].name, "red"), (scene["other"].name, "black")]
    best, worst = rows
    assert (best.found, best.closure_rate, best.on_time_rate, best.pass_rate) == (5, 80.0, 75.0, 50.0)
    assert (worst.found, worst.closure_rate, worst.pass_rate) == (2, 0.0, None)
    # Public, without any person: no names of residents, workers or managers, no door plates.
    client.logout()
    page = client.get(reverse("cocreate:campaign-board", args=[scene["campaign"].pk])).content.decode()
    assert scene["community"].name in page and scene["other"].name in page and "80.0" in page
    for personal in ("欧阳秀英", "13900001111", "网格员", "主任", "sc_admin", "东0室"):
        assert personal not in page
    client.force_login(scene["manager"])
    page = client.get(reverse("cocreate:campaign", args=[scene["campaign"].pk])).content.decode()
    assert 'id="board"' in page and "red list" in page and "black list" in page


def test_a_community_alone_in_its_wave_is_not_put_on_either_list(scene):
    Campaign.objects.filter(pk=scene["other_campaign"].pk).update(start=scene["campaign"].end + timedelta(days=1))
    Campaign.objects.filter(pk=scene["other_campaign"].pk).update(end=scene["campaign"].end + timedelta(days=30))
    (row,) = spotchecks.board(scene["campaign"])
    assert (row.name, row.found, row.mark) == (scene["community"].name, 5, "")


def test_a_recorded_check_stands_and_is_in_the_audit_trail(client, scene):
    from auditlog.models import LogEntry

    check = spotchecks.draw(scene["campaign"], scene["manager"], scene["week"], 2, seed=7)
    item = check.items.order_by("pk").first()
    url = reverse("cocreate:spot-check-result", args=[item.pk])
    client.force_login(scene["manager"])
    client.post(url, {"result": "fail", "note": "垃圾未清"})
    # The ranked community's manager cannot turn the fail into a pass afterwards, on the page or in the service.
    assert "already recorded" in client.post(url, {"result": "pass"}, follow=True).content.decode()
    with pytest.raises(ValidationError):
        spotchecks.record(item, scene["manager"], "pass")
    item.refresh_from_db()
    assert (item.result, item.note) == ("fail", "垃圾未清")
    entries = LogEntry.objects.get_for_object(item)
    assert entries.count() == 1
    assert entries.get().actor == scene["manager"] and "fail" in str(entries.get().changes)
