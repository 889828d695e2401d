"""A year of demo cases across the demo city, every state represented, the same for the same seed.

Cases are spread over the cells by their households (by area where a cell has none), with a few hot spots (markets,
school gates, a metro exit) where reports cluster; points inside each cell come from PostGIS (ST_GeneratePoints
with a seed, one statement). Reports grow denser towards today over the twelve months and follow the hours of the
day. Each case is reported by a resident of its cell or by the cell's grid worker, and its steps follow one another
in time (上报 → 立案 → 派遣 → … → 结案). The year ends at the start of the current day, so open cases have running
clocks. Cases and steps are written with bulk inserts; the generated report times are then stored with one UPDATE
per batch (an insert would stamp them with the clock time: created_at and updated_at are automatic fields).
"""

import base64
import math
import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseEvent, Category, State
from common.geometry import metric_srid
from fixtures.demo_city import person_name, phone
from grids.models import GridAssignment, GridCell, Household
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


# Reports by hour of the day (local time): few at night, most in the morning and late afternoon.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 9, 10, 11, 11, 10, 10, 9, 8, 6, 4, 2, 1]
# Hot spots: where reports cluster, with the categories people report there.
HOT_SPOTS = [
    ("菜市场", ["0401", "0101", "0104", "0102"]),
    ("小学门口", ["0402", "0401", "0201"]),
    ("农贸市场", ["0401", "0101", "0103"]),
    ("幼儿园门口", ["0402", "0401"]),
    ("地铁站出口", ["0402", "0401", "0201", "0101"]),
]
HOT_SHARE = 0.12  # share of the cases reported around the hot spots
HOT_RADIUS_M = 80
RESIDENT_REPORTERS = 3  # resident accounts per cell that report cases
WORKER_SHARE = 0.45  # problems found by the grid worker on patrol (巡查上报)


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
        """Departments (parties) with one handler each (a group named after the department), and a dispatcher.
        Returns the dispatcher, the parties and the handler account of each department, by department name."""
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
        parties, handlers = {}, {}
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
            handlers[name] = handler
        return dispatcher, parties, handlers

    def residents(self, rng, cells):
        """A few resident accounts per cell, each belonging to a household of the cell (a resident membership):
        the people who report from the neighbourhood. {cell id: [user id, …]}; empty for cells without households."""
        from accounts.models import Membership, Role

        User = get_user_model()
        in_cell = defaultdict(list)
        rows = Household.objects.filter(cell_id__in=[c for c, _ in cells], status=Household.Status.RESIDENT)
        for pk, cell_id in rows.order_by("cell_id", "pk").values_list("pk", "cell_id"):
            in_cell[cell_id].append(pk)
        codes = dict(GridCell.objects.filter(pk__in=[c for c, _ in cells]).values_list("pk", "code"))
        out = {}
        for cell_id, _community in cells:
            households = in_cell.get(cell_id, [])
            users = []
            for k, household in enumerate(rng.sample(households, min(RESIDENT_REPORTERS, len(households))), 1):
                name = person_name(rng)
                user, created = User.objects.get_or_create(
                    username=f"r{codes[cell_id]}{k}", defaults={"first_name": name}
                )
                if created:
                    user.set_unusable_password()
                    user.save()
                Membership.objects.update_or_create(user=user, role=Role.RESIDENT, defaults={"household_id": household})
                users.append(user.pk)
            out[cell_id] = users
        return out

    def weights(self, rng, cells):
        """Cases per cell follow its households (its area where the demo has no households there), varied a little."""
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT c.id,
                       (SELECT count(*) FROM grids_household h WHERE h.cell_id = c.id AND h.deleted_at IS NULL),
                       ST_Area(c.boundary::geography)
                  FROM grids_gridcell c
                 WHERE c.id = ANY(%s)
                """,
                [[c for c, _ in cells]],
            )
            size = {pk: (n, area) for pk, n, area in cur.fetchall()}
        households = sum(n for n, _a in size.values())
        if households:
            mean = households / len(cells)
            base = [max(size[c][0], 0.1 * mean) for c, _ in cells]
        else:
            base = [size[c][1] for c, _ in cells]
        return [b * rng.lognormvariate(0, 0.3) for b in base]

    def places(self, rng, seed, count, cells):
        """(cell id, lon, lat, hot spot) of every case: most spread over the cells by weight, some around hot spots."""
        weights = self.weights(rng, cells)
        spots = min(len(HOT_SPOTS), max(1, len(cells) // 8))
        hot = round(count * HOT_SHARE) if len(cells) > 1 else 0
        # Largest remainder: the per-cell counts add up to what is asked.
        share = [(count - hot) * w / sum(weights) for w in weights]
        per_cell = [math.floor(x) for x in share]
        order = sorted(range(len(cells)), key=lambda i: (per_cell[i] - share[i], i))
        for i in order[: (count - hot) - sum(per_cell)]:
            per_cell[i] += 1
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT c.id, ST_X(d.geom), ST_Y(d.geom)
                  FROM grids_gridcell c
                  JOIN unnest(%s::bigint[], %s::int[]) AS k(id, n) ON k.id = c.id AND k.n > 0
                  CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(c.boundary, k.n, %s)) AS d
                 ORDER BY c.code, d.path
                """,
                [[c for c, _ in cells], per_cell, seed],
            )
            points = [(cell, x, y, None) for cell, x, y in cur.fetchall()]
        if not hot:
            return points
        # Hot spots in busy cells (a different cell each), each with its cluster of reports.
        ranked = sorted(range(len(cells)), key=lambda i: -weights[i] * rng.random())
        centres = []
        with connection.cursor() as cur:
            for n, i in enumerate(ranked[:spots]):
                cur.execute(
                    "SELECT ST_X(p.geom), ST_Y(p.geom) FROM grids_gridcell c, "
                    "ST_Dump(ST_GeneratePoints(ST_Buffer(c.boundary::geography, -25)::geometry, 1, %s)) p "
                    "WHERE c.id = %s",
                    [seed + n, cells[i][0]],
                )
                row = cur.fetchone()
                if row is None:  # a cell too narrow for the inner buffer: its centre of mass on the surface
                    cur.execute(
                        "SELECT ST_X(ST_PointOnSurface(boundary)), ST_Y(ST_PointOnSurface(boundary)) "
                        "FROM grids_gridcell WHERE id = %s",
                        [cells[i][0]],
                    )
                    row = cur.fetchone()
                centres.append((cells[i][0], row[0], row[1], HOT_SPOTS[n]))
        around = []
        for k in range(hot):
            cell, x, y, spot = centres[k % len(centres)]
            srid = metric_srid(x, y)
            p = Point(x, y, srid=4326).transform(srid, clone=True)
            distance, bearing = min(abs(rng.gauss(0, HOT_RADIUS_M / 2)), HOT_RADIUS_M), rng.uniform(0, 2 * math.pi)
            q = Point(p.x + distance * math.cos(bearing), p.y + distance * math.sin(bearing), srid=srid)
            q.transform(4326)
            around.append((q.x, q.y, cell, x, y, spot))
        # The cell of each point around a spot (one query); a point falling outside every cell goes to the spot.
        ids = [c for c, _ in cells]
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT k.i, g.id
                  FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS k(x, y, i)
                  LEFT JOIN LATERAL (
                       SELECT id FROM grids_gridcell
                        WHERE id = ANY(%s) AND ST_Covers(boundary, ST_SetSRID(ST_MakePoint(k.x, k.y), 4326))
                        ORDER BY id LIMIT 1) g ON true
                 ORDER BY k.i
                """,
                [[a[0] for a in around], [a[1] for a in around], ids],
            )
            found = [cell for _i, cell in cur.fetchall()]
        for (qx, qy, cell, x, y, spot), inside in zip(around, found, strict=True):
            points.append((inside, qx, qy, spot) if inside else (cell, x, y, spot))
        return points

    def reported_at(self, rng, start):
        """A report time in the year from start: denser towards today (twice as many as a year ago), by hour."""
        t = math.sqrt(1 + 3 * rng.random()) - 1  # density 1 + t on [0, 1]
        day = min(364, int(t * 365))
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        return start + timedelta(days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))

    def build(self, seed, count, cells):
        rng = random.Random(seed)
        dispatcher, parties, handlers = self.people()
        categories = list(Category.objects.filter(active=True).order_by("code"))
        by_code = {c.code: c for c in categories}
        workers = dict(
            GridAssignment.objects.active_on(timezone.localdate())
            .filter(role=GridAssignment.Role.PRIMARY)
            .values_list("cell_id", "worker_id")
        )
        residents = self.residents(rng, cells)
        points = self.places(rng, seed, count, cells)
        community_of = dict(cells)
        end = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        start = end - timedelta(days=365)
        cases, timelines = [], []
        for cell_id, x, y, spot in points:
            spot_codes = [by_code[c] for c in spot[1] if c in by_code] if spot else []
            category = rng.choice(spot_codes or categories)
            kind = "problem" if spot else rng.choices(["problem", "help", "good_deed"], weights=[88, 8, 4])[0]
            text = rng.choice(GOOD_DEEDS if kind == "good_deed" else DESCRIPTIONS.get(category.code, ["需要处理"]))
            created = self.reported_at(rng, start)
            token = base64.urlsafe_b64encode(rng.getrandbits(96).to_bytes(12, "big")).decode()
            # The reporter: the cell's grid worker on patrol, or one of its residents.
            worker, neighbours = workers.get(cell_id), residents.get(cell_id, [])
            on_patrol = kind == "problem" and rng.random() < WORKER_SHARE
            reporter = rng.choice(neighbours) if neighbours and not (worker and on_patrol) else worker
            case = Case(
                kind=kind,
                category=category,
                description=text,
                address=spot[0] if spot else "",
                location=Point(x, y, srid=4326),
                state=State.REPORTED,
                token=token,
                reporter_id=reporter,
                contact_name="" if reporter else person_name(rng),
                contact_phone="" if reporter else phone(rng),
                source="demo",
                community_id=community_of[cell_id],
                cell_id=cell_id,
                grid_worker_id=worker,
            )
            steps = self.timeline(rng, case, category, created, end, parties, dispatcher)
            case.created_at = created
            case.updated_at = steps[-1][3] if steps else created
            case.version = 1 + len(steps)
            cases.append(case)
            timelines.append(steps)
        times = [(c.created_at, c.updated_at) for c in cases]
        Case.objects.bulk_create(cases, batch_size=1000)
        # The insert stamped created_at and updated_at with the clock time (automatic fields): store the generated
        # times, one UPDATE per batch.
        with connection.cursor() as cur:
            for i in range(0, len(cases), 1000):
                batch = range(i, min(i + 1000, len(cases)))
                cur.execute(
                    f"""
                    UPDATE {Case._meta.db_table} AS c SET created_at = v.created, updated_at = v.updated
                      FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS v(id, created, updated)
                     WHERE c.id = v.id
                    """,
                    [[cases[j].pk for j in batch], [times[j][0] for j in batch], [times[j][1] for j in batch]],
                )
        events = []
        for case, steps, (created, updated) in zip(cases, timelines, times, strict=True):
            case.created_at, case.updated_at = created, updated
            events.append(
                CaseEvent(case=case, action="report", to_state=State.REPORTED, at=created, actor_id=case.reporter_id)
            )
            handler = handlers[case.category.department]
            for action, frm, to, at, note, handled_by in steps:
                if action in ("start", "handle"):
                    actor = handler.pk
                elif action in ("verify", "fail"):
                    actor = case.grid_worker_id or dispatcher.pk
                else:
                    actor = dispatcher.pk
                events.append(
                    CaseEvent(
                        case=case,
                        action=action,
                        from_state=frm,
                        to_state=to,
                        at=at,
                        note=note,
                        handler=handled_by,
                        actor_id=actor,
                    )
                )
        CaseEvent.objects.bulk_create(events, batch_size=2000)
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
