"""共谋: needs posted and supported, a meeting with its agenda and participants, its decisions carried out as a task,
a case and a renovation item in the same step, and its record on the public notice page without personal data."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Category, State
from cases.tests.factories import in_english, jpeg
from cocreate import services
from cocreate.models import Decision, Meeting, Need, Task
from cocreate.tests.factories import scene as make_scene
from grids.tests.factories import point

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    return make_scene(django_user_model)


def need(s, title="楼道灯不亮", x=120, y=120, user=None):
    return services.post_need(
        user or s["resident"], title=title, description="三单元楼道灯坏了两个月", location=point(x, y)
    )


def test_a_resident_posts_a_need_with_a_photo_and_others_support_it_once_each(scene, django_user_model):
    n = services.post_need(
        scene["resident"],
        title="楼道灯不亮",
        description="三单元楼道灯坏了",
        location=point(120, 120),
        photos=[jpeg()],
    )
    assert (n.community, n.cell, n.photos.count()) == (scene["community"], scene["west"], 1)
    assert services.support(n, scene["worker"]) is True
    assert services.support(n, scene["worker"]) is False
    assert services.support(n, scene["manager"]) is True
    n.refresh_from_db()
    assert n.supporters == 2


def test_a_need_outside_every_community_is_refused_with_the_place_and_nothing_saved(scene):
    with pytest.raises(ValidationError) as exc:
        services.post_need(scene["resident"], title="x", description="y", location=point(9000, 9000), photos=[jpeg()])
    assert "outside every community" in " ".join(exc.value.message_dict["location"])
    assert not Need.objects.exists()


def meeting(s, **kw):
    return Meeting.objects.create(
        community=s["community"],
        title=kw.pop("title", "三月议事会"),
        held_at=kw.pop("held_at", timezone.now() - timedelta(days=2)),
        venue="社区议事亭",
        **kw,
    )


def test_meeting_decisions_become_a_task_a_case_and_a_renovation_item(scene):
    from planning.models import Item
    from planning.tests.factories import eligible_setup

    _c, _z, project = eligible_setup(scene["community"])
    lights, bins, roof = need(scene), need(scene, "垃圾桶太少", 300, 200), need(scene, "屋顶漏水", 150, 150)
    m = meeting(scene)
    services.set_agenda(m, scene["manager"], [lights, bins, roof])
    services.set_participants(m, scene["manager"], scene["households"][:3])
    lights.refresh_from_db()
    assert lights.status == Need.Status.ON_AGENDA and m.households.count() == 3

    due = timezone.localdate() + timedelta(days=14)
    task_decision = services.decide(
        m, scene["manager"], text="更换三单元楼道灯", need=lights, outcome="task", owner=scene["worker"], deadline=due
    )
    task = Task.objects.get(decision=task_decision)
    assert (task.owner, task.deadline, task.community) == (scene["worker"], due, scene["community"])

    case_decision = services.decide(
        m,
        scene["manager"],
        text="增设两个分类垃圾桶",
        need=bins,
        outcome="case",
        category=Category.objects.get(code="0101"),
    )
    case = case_decision.case
    assert case.state == State.REPORTED and case.location == bins.location and case.community == scene["community"]
    assert "三月议事会" in case.description

    # Renovation items are the planners': the community's manager also plans for the street here.
    from accounts import policy
    from accounts.models import Membership, Role

    Membership.objects.create(user=scene["manager"], role=Role.PLANNER, street=scene["community"].street)
    policy.forget(scene["manager"])
    item = Item(
        project=project,
        name="屋面防水",
        item_class="complete",
        quantity=Decimal("800"),
        unit="m²",
        cost_estimate=Decimal("240000"),
    )
    item_decision = services.decide(m, scene["manager"], text="屋面防水纳入改造", need=roof, outcome="item", item=item)
    assert item_decision.item.project == project and project.items.filter(name="屋面防水").exists()
    for n in (lights, bins, roof):
        n.refresh_from_db()
        assert n.status == Need.Status.DECIDED


def test_a_decision_missing_what_it_needs_leaves_nothing_behind(scene):
    m = meeting(scene)
    with pytest.raises(ValidationError) as exc:
        services.decide(m, scene["manager"], text="修路", outcome="task", owner=scene["worker"])
    assert "deadline" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.decide(
            m,
            scene["manager"],
            text="修路",
            outcome="task",
            owner=scene["worker"],
            deadline=timezone.localdate() - timedelta(days=30),
        )
    assert "before the meeting" in exc.value.message_dict["deadline"][0]
    with pytest.raises(ValidationError) as exc:
        services.decide(m, scene["manager"], text="清理", outcome="case", category=Category.objects.get(code="0101"))
    assert "place" in exc.value.message_dict["location"][0]
    assert not Decision.objects.exists() and not Task.objects.exists() and not Case.objects.exists()


def test_only_staff_of_the_community_run_its_meeting(scene, django_user_model):
    from accounts.models import Membership, Role
    from grids.tests.factories import make_community

    other = django_user_model.objects.create_user("other_manager")
    Membership.objects.create(user=other, role=Role.MANAGER, community=make_community(code="002"))
    m = meeting(scene)
    for user in (other, scene["resident"], scene["worker"]):
        with pytest.raises(PermissionDenied):
            services.decide(m, user, text="x", outcome="none")
    assert not Decision.objects.exists()


def test_published_decisions_appear_on_the_public_notice_page_without_personal_data(client, scene):
    lights = need(scene)
    m = meeting(scene, record="议事会讨论了楼道照明，居民代表一致同意更换。")
    services.set_participants(m, scene["manager"], scene["households"])
    services.decide(
        m,
        scene["manager"],
        text="更换三单元楼道灯",
        need=lights,
        outcome="task",
        owner=scene["worker"],
        deadline=timezone.localdate() + timedelta(days=7),
        votes_for=4,
    )
    url = reverse("cocreate:notices")
    assert "三月议事会" not in client.get(url).content.decode()  # not yet published
    with pytest.raises(ValidationError):
        services.publish(meeting(scene, title="空会"), scene["manager"])
    services.publish(m, scene["manager"])
    page = client.get(url).content.decode()
    assert "三月议事会" in page and "更换三单元楼道灯" in page and "议事会讨论了楼道照明" in page
    assert "4 households took part" in page
    for personal in ("欧阳秀英", "13900001111", "东0室", "网格员", "cc_worker", "cc_manager", "主任"):
        assert personal not in page, personal


def test_staff_call_a_meeting_and_set_its_agenda_and_participants_on_its_page(client, scene, django_user_model):
    lights = need(scene)
    client.force_login(scene["manager"])
    url = reverse("cocreate:meeting-new", args=[scene["community"].pk])
    bad = client.post(url, {"title": "议事会", "held_at": "2026-02-30T19:00", "venue": "议事亭"})
    assert bad.status_code == 200 and not Meeting.objects.exists()
    resp = client.post(url, {"title": "四月议事会", "held_at": "2026-04-01T19:00", "venue": "议事亭"})
    m = Meeting.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("cocreate:meeting", args=[m.pk])
    hh = scene["households"]
    client.post(
        reverse("cocreate:meeting-agenda", args=[m.pk]), {"agenda": [lights.pk], "households": [hh[0].pk, hh[1].pk]}
    )
    assert list(m.agenda.all()) == [lights] and m.households.count() == 2
    page = client.get(reverse("cocreate:meeting", args=[m.pk])).content.decode()
    assert "楼道灯不亮" in page and 'id="participants">2<' in page
    # A manager of another community does not reach this one.
    from accounts.models import Membership, Role
    from grids.tests.factories import make_community

    other = django_user_model.objects.create_user("other_manager")
    Membership.objects.create(user=other, role=Role.MANAGER, community=make_community(code="002"))
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.post(reverse("cocreate:meeting-agenda", args=[m.pk]), {"agenda": []}).status_code == 404
    assert m.agenda.count() == 1
