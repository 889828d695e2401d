"""Demo co-creation data for the demo city (seeded, loaded once): needs with supporters, resources and projects, a
deliberation meeting with its decisions published, a clean-up campaign with a week of findings, contributions to
the demo renovation project, mediations with sessions and agreements, and reporters' ratings of closed cases.

Every time lies in the past (at the latest: now), whatever the hour of the local day the demo is loaded at."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_community, demo_manager
from accounts.models import Role
from cocreate import campaigns, evaluation, services
from cocreate.models import (
    Campaign,
    Contribution,
    CoProject,
    FollowUp,
    Mediation,
    MediationSession,
    Mediator,
    Meeting,
    Need,
    Resource,
)
from common.geometry import metric_srid_for
from grids.models import GridAssignment, Household

MEETING_TITLE = "滨江社区十一月居民议事会"
NEEDS = [
    ("楼道灯不亮", "三单元二楼到五楼的楼道灯坏了，晚上上下楼不安全。", "safety"),
    ("增设分类垃圾桶", "小区东门只有一个垃圾桶，经常满溢。", "environment"),
    ("屋顶漏水", "顶楼住户反映下雨天屋顶渗水。", "facilities"),
    ("增加休息座椅", "老人在小广场散步没有地方坐。", "services"),
    ("电动车充电桩", "电动车在楼道充电有火灾隐患，希望建集中充电棚。", "safety"),
    ("清理空中飞线", "二号楼外墙电线杂乱。", "facilities"),
    ("开设四点半课堂", "双职工家庭放学后孩子无人照看。", "services"),
    ("修补路面坑洼", "小区主路有几处坑洼，雨天积水。", "facilities"),
]
RESOURCES = [
    ("space", "社区活动室（周末开放）", "社区居委会"),
    ("skill", "水电维修", "5栋热心居民"),
    ("material", "闲置木板、花盆", "物业服务中心"),
    ("fund", "共建基金（小区微改造）", "辖区共建单位"),
]
CAMPAIGN_CHECKLIST = ["五清：清垃圾", "五清：清杂物", "三乱：乱堆乱放", "三乱：乱贴乱画", "三乱：乱拉乱接"]
MEDIATIONS = [
    ("楼上漏水纠纷", "楼上卫生间漏水导致楼下天花板发霉，双方就维修费用有争议。", "agreed"),
    ("占用楼道堆放杂物", "邻居在楼道长期堆放杂物，影响通行。", "agreed"),
    ("宠物扰民", "夜间犬吠影响邻居休息。", "mediating"),
    ("停车位纠纷", "两户因门前停车位归属发生争执。", "received"),
    ("装修噪音", "装修施工时间超出规定，邻居投诉。", "agreed"),
]


def _at(now, days, hour=10):
    """`days` days ago at `hour` local time, and never later than now."""
    day = timezone.localtime(now).date() - timedelta(days=days)
    return min(timezone.make_aware(datetime.combine(day, time(hour, 0))), now)


def _household_points(community, rng, n):
    rows = list(Household.objects.filter(community=community, location__isnull=False).order_by("pk")[:400])
    rng.shuffle(rows)
    return rows[:n]


@transaction.atomic
def build(seed=2026, stdout=None):
    if Meeting.objects.filter(title=MEETING_TITLE).exists():
        if stdout:
            stdout.write("co-creation demo already loaded")
        return
    rng = random.Random(seed)
    now = timezone.now()
    User = get_user_model()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    manager_m = demo_manager()
    community = demo_community(manager_m)
    if community is None or admin is None:
        if stdout:
            stdout.write("no community or administrator: build the demo city first")
        return
    households = _household_points(community, rng, 60)
    if len(households) < 10:
        return
    households = [households[k % len(households)] for k in range(60)]  # a small demo city repeats them
    workers = {
        a.cell_id: a.worker
        for a in GridAssignment.objects.filter(cell__community=community).select_related("worker").order_by("pk")
    }
    residents = list(User.objects.filter(memberships__role=Role.RESIDENT).order_by("username").distinct()[:20]) or [
        admin
    ]

    # 需求清单, with supporters; 资源清单; 项目清单.
    needs = []
    for i, (title, description, topic) in enumerate(NEEDS):
        author = residents[i % len(residents)]
        need = services.post_need(
            author, title=title, description=description, topic=topic, location=households[i].location
        )
        Need.objects.filter(pk=need.pk).update(created_at=_at(now, 90 - i * 9))
        for user in rng.sample(residents, min(len(residents), rng.randrange(1, 8))):
            services.support(need, user)
        needs.append(need)
    for kind, title, by in RESOURCES:
        Resource.objects.create(community=community, kind=kind, title=title, offered_by=by)
    from planning.models import Project

    renovation = Project.objects.filter(name="滨江老旧小区改造（一期）").first()
    CoProject.objects.create(community=community, name="楼道照明改造", status="underway").needs.set(needs[:1])
    CoProject.objects.create(
        community=community, name="小区微改造（共同缔造）", status="approved", renovation=renovation
    ).needs.set(needs[1:3])

    # 议事: a meeting 20 days ago, its agenda, participants by household, decisions, published.
    meeting = Meeting.objects.create(
        community=community,
        title=MEETING_TITLE,
        held_at=_at(now, 20, hour=19),
        venue="社区议事亭",
        record=(
            "到会居民代表就楼道照明、垃圾分类设施和屋顶渗漏三项需求进行了协商。"
            "楼道照明由网格员牵头两周内完成更换；东门增设分类垃圾桶转环卫部门办理；"
            "屋面防水纳入老旧小区改造项目。"
        ),
    )
    services.set_agenda(meeting, admin, needs[:3])
    services.set_participants(meeting, admin, households[:24])
    owner = next(iter(workers.values()), admin)
    services.decide(
        meeting,
        admin,
        text="更换三单元楼道灯，网格员牵头，物业配合",
        need=needs[0],
        outcome="task",
        owner=owner,
        deadline=timezone.localtime(meeting.held_at).date() + timedelta(days=14),
        votes_for=21,
        votes_against=1,
    )
    from cases.models import Category

    bins = Category.objects.filter(code="0101", active=True).first() or Category.objects.filter(active=True).first()
    services.decide(
        meeting,
        admin,
        text="东门增设两组分类垃圾桶",
        need=needs[1],
        outcome="case",
        category=bins,
        votes_for=23,
    )
    if renovation is not None:
        from planning.models import Item

        item = Item(
            project=renovation,
            name="屋面防水（议事会决定）",
            item_class="complete",
            quantity=Decimal("600"),
            unit="m²",
            cost_estimate=Decimal("180000"),
            fund_government=Decimal("150000"),
            fund_residents=Decimal("30000"),
        )
        services.decide(meeting, admin, text="屋面防水纳入改造项目", need=needs[2], outcome="item", item=item)
    services.publish(meeting, admin)
    Meeting.objects.filter(pk=meeting.pk).update(published_at=_at(now, 18))

    # 集中整治: a campaign over the community's cells, with a week of findings.
    campaign = Campaign.objects.create(
        community=community,
        name="十一月人居环境整治月",
        start=timezone.localdate() - timedelta(days=10),
        end=timezone.localdate() + timedelta(days=20),
        checklist=CAMPAIGN_CHECKLIST,
    )
    campaign.cells.set(community.cells.all())
    campaign.categories.set(Category.objects.filter(code__in=["0101", "0102", "0103"], active=True))
    targets = list(campaign.categories.all()) or [bins]
    spots = _household_points(community, rng, 40)[:14]
    for i, household in enumerate(spots):
        worker = workers.get(household.cell_id) or admin
        jitter = Point(household.location.x + rng.uniform(-2e-4, 2e-4), household.location.y, srid=4326)
        try:
            finding = campaigns.record_finding(
                campaign,
                worker,
                category=targets[i % len(targets)],
                description="整治月巡查发现：" + CAMPAIGN_CHECKLIST[i % len(CAMPAIGN_CHECKLIST)],
                location=jitter,
                checklist_item=CAMPAIGN_CHECKLIST[i % len(CAMPAIGN_CHECKLIST)],
            )
        except (ValidationError, PermissionDenied):
            continue
        found = _at(now, i % 7, hour=9 + i % 8)
        closed = i % 3 != 0
        from cases.models import Case, State

        Case.objects.filter(pk=finding.case_id).update(
            created_at=found,
            state=State.CLOSED if closed else State.REPORTED,
            closed_at=min(found + timedelta(hours=20), now) if closed else None,
        )
        type(finding).objects.filter(pk=finding.pk).update(at=found)

    # 每周抽查: the latest week's sample of the campaign's findings (a fixed seed), checked on site.
    from cocreate import spotchecks

    latest = campaign.findings.order_by("-at").values_list("at", flat=True).first()
    if latest is not None:
        week = spotchecks.monday(timezone.localtime(latest).date())
        check = spotchecks.draw(campaign, admin, week, 3, seed=seed)
        for item, (result, note) in zip(
            check.items.order_by("pk"), [("pass", ""), ("fail", "复查时垃圾仍未清运"), ("pass", "")], strict=False
        ):
            spotchecks.record(item, admin, result, note)

    # 共建: contributions to the demo renovation project (or to the campaign when there is none).
    target = {"project": renovation} if renovation is not None else {"campaign": campaign}
    givers = households[24:40]
    rows = [
        dict(kind="money", amount=Decimal("500"), alias="热心居民"),
        dict(kind="money", amount=Decimal("200")),
        dict(kind="money", amount=Decimal("1000"), contributor_kind="business", contributor_name="滨江超市"),
        dict(kind="labour", hours=Decimal("4"), work="清理楼道杂物"),
        dict(kind="labour", hours=Decimal("3"), work="拆除违建棚架后清运"),
        dict(kind="labour", hours=Decimal("6"), work="小广场绿化补植"),
        dict(kind="labour", hours=Decimal("2"), work="协助入户宣传", alias="志愿者小李"),
        dict(kind="materials", item="花苗", quantity=Decimal("120"), value=Decimal("600")),
        dict(
            kind="materials",
            item="水泥",
            quantity=Decimal("30"),
            value=Decimal("900"),
            contributor_kind="organisation",
            contributor_name="共建单位：区建工集团",
        ),
    ]
    for i, fields in enumerate(rows):
        fields.setdefault("contributor_kind", "household")
        if fields["contributor_kind"] == "household":
            fields["household"] = givers[i]
        c = Contribution(community=community, on=timezone.localdate() - timedelta(days=40 - i * 4), **target, **fields)
        services.record_contribution(c, admin)
    # 出地: a corner lent for a parcel station, drawn 12 m × 8 m beside a household.
    anchor = givers[-1].location
    srid = metric_srid_for(anchor)
    x, y = anchor.transform(srid, clone=True).coords
    land = Polygon(((x + 5, y + 5), (x + 17, y + 5), (x + 17, y + 13), (x + 5, y + 13), (x + 5, y + 5)), srid=srid)
    land.transform(4326)
    services.record_contribution(
        Contribution(
            community=community,
            kind="land",
            contributor_kind="household",
            household=givers[-1],
            area=land,
            on=timezone.localdate() - timedelta(days=30),
            until=timezone.localdate() + timedelta(days=335),
            **target,
        ),
        admin,
    )

    # 调解: the community manager mediates; five disputes with sessions, agreements and follow-ups.
    mediator = manager_m.user if manager_m else admin
    Mediator.objects.get_or_create(user=mediator, community=community)
    for i, (subject, description, status) in enumerate(MEDIATIONS):
        received = timezone.localdate() - timedelta(days=75 - i * 14)
        m = Mediation(
            subject=subject, description=description, location=households[40 + i].location, received_on=received
        )
        m.full_clean()
        m.save()
        m.parties.set([households[40 + i], households[50 + i]])
        if status != "received":
            MediationSession.objects.create(
                mediation=m, held_on=received + timedelta(days=3), mediator=mediator, note="首次调解，听取双方意见。"
            )
        if status == "agreed":
            agreed = min(received + timedelta(days=10 + i * 6), timezone.localdate())
            Mediation.objects.filter(pk=m.pk).update(
                status=status, agreed_on=agreed, agreement="双方自愿达成协议，按约定分担费用并限期整改。"
            )
            FollowUp.objects.create(
                mediation=m,
                on=min(agreed + timedelta(days=7), timezone.localdate()),
                by=mediator,
                note="回访：协议已履行。",
            )
        elif status == "mediating":
            Mediation.objects.filter(pk=m.pk).update(status=status)

    # 共评: reporters rate closed cases of the community (most are satisfied).
    from cases.models import Case, State

    rated = 0
    for case in Case.objects.filter(community=community, state=State.CLOSED, reporter__isnull=False).order_by("pk")[
        :12
    ]:
        level = "not" if rated % 6 == 5 else ("basic" if rated % 3 == 2 else "satisfied")
        try:
            evaluation.rate_case(case, level, case.reporter, note="问题又出现了" if level == "not" else "")
        except (ValidationError, PermissionDenied):
            continue
        rated += 1
    if stdout:
        stdout.write(
            f"co-creation: {len(needs)} needs, a published meeting, a campaign with "
            f"{campaign.findings.count()} findings, {Contribution.objects.count()} contributions, "
            f"{len(MEDIATIONS)} mediations, {rated} case ratings in {community.name}"
        )
