"""A year of demo cases across the demo city, every state represented, the same for the same seed.

Points come from PostGIS (ST_GeneratePoints with a seed, inside each grid cell, one statement); cases and their steps
are written with bulk inserts. The year ends at the start of the current day, so open cases have running clocks.
"""

import base64
import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseEvent, Category, State
from grids.models import GridAssignment, GridCell
from responsibility.models import Party

DESCRIPTIONS = {
    "0101": ["路边垃圾堆积未清运", "垃圾桶满溢，周边散落垃圾"],
    "0102": ["楼道口堆放杂物", "人行道上堆放建材"],
    "0103": ["小区角落长期积存垃圾", "绿化带内有卫生死角"],
    "0104": ["餐馆污水直排雨水井", "洗车点污水流到路面"],
    "0105": ["绿化带被开垦种菜", "草坪被踩踏破坏"],
    "0106": ["边沟被泥沙堵塞，雨后积水", "排水沟盖板下堵塞"],
    "0201": ["电线杆上小广告", "墙面被乱涂乱画"],
    "0301": ["夜间施工噪音扰民", "工地扬尘严重"],
    "0302": ["楼顶私搭彩钢棚", "院内违建小屋"],
    "0401": ["流动摊贩占道经营", "店铺出店经营占用人行道"],
    "0402": ["电动车乱停堵住消防通道", "机动车占用人行道停放"],
    "0403": ["私拉电线给电动车充电", "空中飞线杂乱"],
    "0404": ["公共绿地被圈占", "公共空地被私人占用堆物"],
    "0501": ["井盖缺失，存在安全隐患", "井盖破损下陷"],
    "0502": ["外墙瓷砖松动有脱落风险", "楼梯扶手断裂"],
    "0601": ["健身器材损坏", "路灯不亮", "座椅破损"],
    "0602": ["邻里纠纷需要协调", "独居老人需要帮助"],
}
GOOD_DEEDS = ["邻居帮助独居老人买菜", "志愿者清理楼道垃圾", "居民主动修好了单元门"]


class Command(BaseCommand):
    help = "Demo cases for the demo city: about a year of reports in every state (seeded)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--count", type=int, default=3000)
        parser.add_argument("--reset", action="store_true")

    def handle(self, seed, count, reset, **options):
        call_command("loaddata", "case_categories", verbosity=0)
        if reset:
            Case.objects.filter(source="demo").delete()
        if Case.objects.filter(source="demo").exists():
            self.stdout.write("demo cases already loaded")
            return
        cells = list(GridCell.objects.order_by("code").values_list("id", "community_id"))
        if not cells:
            self.stdout.write("no grid cells: build the demo city first")
            return
        with transaction.atomic():
            n = self.build(seed, count, cells)
        self.stdout.write(f"{n} demo cases")

    def people(self):
        """Departments (parties) with one handler each (a group named after the department), and a dispatcher."""
        User = get_user_model()
        dispatchers, _ = Group.objects.get_or_create(name="case dispatchers")
        dispatchers.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="cases",
                codename__in=["view_case", "change_case", "add_case", "dispatch_case", "verify_case"],
            )
        )
        dispatcher, created = User.objects.get_or_create(username="dispatcher", defaults={"first_name": "指挥中心"})
        if created:
            dispatcher.set_unusable_password()
            dispatcher.save()
        dispatcher.groups.add(dispatchers)
        view = Permission.objects.filter(content_type__app_label="cases", codename__in=["view_case", "change_case"])
        parties = {}
        names = sorted(set(Category.objects.values_list("department", flat=True)))
        for i, name in enumerate(names, 1):
            party = Party.objects.filter(kind=Party.Kind.DEPARTMENT, name=name).order_by("id").first()
            parties[name] = party or Party.objects.create(kind=Party.Kind.DEPARTMENT, name=name)
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.add(*view)
            handler, created = User.objects.get_or_create(username=f"handler{i:02d}", defaults={"first_name": name})
            if created:
                handler.set_unusable_password()
                handler.save()
            handler.groups.add(group)
        return dispatcher, parties

    def build(self, seed, count, cells):
        rng = random.Random(seed)
        dispatcher, parties = self.people()
        categories = list(Category.objects.filter(active=True).order_by("code"))
        workers = dict(
            GridAssignment.objects.active_on(timezone.localdate())
            .filter(role=GridAssignment.Role.PRIMARY)
            .values_list("cell_id", "worker_id")
        )
        # How many cases per cell (skewed: some cells report far more), then the points from PostGIS.
        weights = [rng.paretovariate(1.5) for _ in cells]
        total = sum(weights)
        per_cell = [max(1, round(count * w / total)) for w in weights]
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT c.id, ST_X(d.geom), ST_Y(d.geom)
                  FROM grids_gridcell c
                  JOIN unnest(%s::bigint[], %s::int[]) AS k(id, n) ON k.id = c.id
                  CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(c.boundary, k.n, %s)) AS d
                 ORDER BY c.code, d.path
                """,
                [[c for c, _ in cells], per_cell, seed],
            )
            points = cur.fetchall()
        community_of = dict(cells)
        end = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        start = end - timedelta(days=365)
        cases, timelines = [], []
        from django.contrib.gis.geos import Point

        for cell_id, x, y in points:
            category = rng.choice(categories)
            kind = rng.choices(["problem", "help", "good_deed"], weights=[88, 8, 4])[0]
            text = rng.choice(GOOD_DEEDS if kind == "good_deed" else DESCRIPTIONS.get(category.code, ["需要处理"]))
            created = start + timedelta(seconds=rng.uniform(0, 365 * 86400))
            token = base64.urlsafe_b64encode(rng.getrandbits(96).to_bytes(12, "big")).decode()
            case = Case(
                kind=kind,
                category=category,
                description=text,
                location=Point(x, y, srid=4326),
                state=State.REPORTED,
                token=token,
                contact_name="",
                source="demo",
                community_id=community_of[cell_id],
                cell_id=cell_id,
                grid_worker_id=workers.get(cell_id),
                created_at=created,
            )
            steps = self.timeline(rng, case, category, created, end, parties, dispatcher)
            cases.append(case)
            timelines.append(steps)
        Case.objects.bulk_create(cases, batch_size=1000)
        events = []
        for case, steps in zip(cases, timelines, strict=True):
            events.append(CaseEvent(case=case, action="report", to_state=State.REPORTED, at=case.created_at))
            for action, frm, to, at, note, handler in steps:
                events.append(
                    CaseEvent(
                        case=case,
                        action=action,
                        from_state=frm,
                        to_state=to,
                        at=at,
                        note=note,
                        handler=handler,
                        actor_id=case.handler_user_id or None if action in ("start", "handle") else dispatcher.pk,
                    )
                )
            case.updated_at = steps[-1][3] if steps else case.created_at
            case.version = 1 + len(steps)
        CaseEvent.objects.bulk_create(events, batch_size=2000)
        # auto_now_add/auto_now set the clock time on insert: put back the generated times.
        Case.objects.bulk_update(cases, ["created_at", "updated_at", "version"], batch_size=1000)
        return len(cases)

    def timeline(self, rng, case, category, t, end, parties, dispatcher):
        """The steps of one case up to now: mostly closed for old cases, spread over every state for recent ones."""
        steps = []
        party = parties[category.department]
        # Recent cases are often still somewhere along the way: stop after a chosen step.
        recent = (end - t) < timedelta(days=20) and rng.random() < 0.6
        stop = rng.choice(["", "register", "dispatch", "start", "handle", "verify"]) if recent else None

        def step(action, to, hours, note=""):
            nonlocal t
            nxt = t + timedelta(hours=hours)
            if nxt >= end or stop == "" or (stop and steps and steps[-1][0] == stop):
                return False
            steps.append((action, case.state, to, nxt, note, party.name if action == "dispatch" else ""))
            case.state, t = to, nxt
            return True

        if rng.random() < 0.07:
            step("reject", State.REJECTED, rng.uniform(0.5, 8), "不属于受理范围")
            return steps
        if not step("register", State.REGISTERED, rng.uniform(0.3, 6)):
            return steps
        rounds = 2 if rng.random() < 0.04 else 1
        for r in range(rounds):
            if not step("dispatch", State.DISPATCHED, rng.uniform(0.2, 4)):
                return steps
            case.handler_kind, case.handler_party, case.department = "department", party, party.name
            case.dispatched_at = t
            case.deadline_at = t + timedelta(hours=category.deadline_hours)
            case.closed_at = None
            work = category.deadline_hours * rng.uniform(0.15, 1.35)
            if not step("start", State.IN_PROGRESS, min(work * 0.3, 24)):
                return steps
            if not step("handle", State.HANDLED, work * 0.7):
                return steps
            if rng.random() < 0.1:
                if not step("fail", State.DISPATCHED, rng.uniform(2, 24), "现场核查未整改到位"):
                    return steps
                if not step("start", State.IN_PROGRESS, rng.uniform(1, 12)):
                    return steps
                if not step("handle", State.HANDLED, rng.uniform(2, 24)):
                    return steps
            if not step("verify", State.VERIFIED, rng.uniform(1, 24)):
                return steps
            if not step("close", State.CLOSED, rng.uniform(0.5, 12)):
                return steps
            case.closed_at = t
            if r + 1 < rounds and not step("reopen", State.REOPENED, rng.uniform(24, 24 * 30), "问题反弹"):
                return steps
        return steps
