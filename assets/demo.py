"""Deterministic demo assets for the demo city (district 420199): several thousand points, a few hundred green
spaces, adoptions with upkeep logs, and inspections. Laid out in metres on UTM zone 50N, stored in EPSG:4326."""

import random
from datetime import datetime, time, timedelta

import shapely
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from shapely.geometry import LineString, Point, box
from shapely.strtree import STRtree

from assets.models import Adoption, Asset, AssetType, Inspection, MaintenanceLog
from fixtures.demo_city import DISTRICT_CODE, person_name, phone
from grids.models import Building, Community, District, GridAssignment

UTM = 32650

# type code → (count, placement); placement: "building" = a few metres off a building, "free" = anywhere open
POINTS = {
    "0101": (600, "free"),
    "0102": (150, "building"),
    "0103": (900, "free"),
    "0104": (60, "building"),
    "0105": (50, "building"),
    "0106": (50, "free"),
    "0107": (40, "free"),
    "0108": (60, "building"),
    "0202": (80, "building"),
    "0203": (150, "free"),
    "0204": (60, "building"),
    "0301": (700, "building"),
    "0302": (110, "building"),
    "0303": (4, "free"),
    "0304": (35, "free"),
    "0305": (40, "building"),
    "0402": (500, "free"),
    "0403": (80, "free"),
    "0502": (20, "building"),
    "0601": (200, "building"),
    "0602": (60, "building"),
    "0603": (12, "building"),
    "0604": (8, "building"),
    "0605": (6, "building"),
    "0606": (6, "building"),
    "0607": (6, "building"),
    "0608": (15, "free"),
}
POLYGONS = {
    "0401": (320, 18, 55),
    "0201": (40, 25, 60),
    "0404": (10, 50, 90),
    "0405": (60, 8, 16),
    "0501": (15, 20, 45),
}
LINES = {"0205": 40}
NAMES = {
    "0101": "窨井盖",
    "0102": "消火栓",
    "0103": "路灯",
    "0104": "供水阀门",
    "0105": "燃气调压箱",
    "0106": "配电箱",
    "0107": "通信交接箱",
    "0108": "化粪池",
    "0201": "停车场",
    "0202": "充电车棚",
    "0203": "交通标志",
    "0204": "无障碍坡道",
    "0205": "盲道",
    "0301": "分类垃圾桶",
    "0302": "垃圾收集点",
    "0303": "垃圾转运站",
    "0304": "公共厕所",
    "0305": "垃圾分类站",
    "0401": "绿地",
    "0402": "行道树",
    "0403": "健身器材",
    "0404": "广场",
    "0405": "小花园",
    "0501": "空闲地",
    "0502": "闲置公房",
    "0601": "监控摄像头",
    "0602": "公示栏",
    "0603": "便民服务站",
    "0604": "养老服务站",
    "0605": "托育服务点",
    "0606": "社区卫生服务站",
    "0607": "积分超市",
    "0608": "议事亭",
}
DEPARTMENTS = {
    "01": ["区水务局", "区城管局", "供电公司", "燃气公司"],
    "02": ["区交通局", "街道办事处"],
    "03": ["区环卫所", "街道环卫站"],
    "04": ["区园林局", "社区居委会"],
    "05": ["街道办事处"],
    "06": ["社区居委会", "街道办事处", "区卫健局"],
}
SORTING = ["recyclable", "hazardous", "kitchen", "residual"]
WORKS = ["浇水", "除草", "捡拾垃圾", "修剪枝叶", "补种花草", "清理落叶", "松土施肥"]


def _to_geos(shape):
    g = GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=UTM)
    g.transform(4326)
    return g


def _utm(geom):
    return shapely.from_wkb(bytes(geom.transform(UTM, clone=True).wkb))


class Layout:
    """Free space of the demo city in metres: inside a community, clear of buildings and other assets."""

    def __init__(self, rng, communities, footprints):
        self.rng = rng
        self.communities = communities  # [(community, shapely polygon shrunk inwards)]
        self.footprints = footprints
        self.buildings = STRtree(footprints)
        self.placed = []

    def clear(self, shape, gap=2.0):
        if any(c.contains(shape) for _, c in self.communities) is False:
            return False
        if len(self.buildings.query(shape.buffer(gap), predicate="intersects")):
            return False
        return True

    def free_point(self):
        for _ in range(200):
            comm, poly = self.rng.choice(self.communities)
            minx, miny, maxx, maxy = poly.bounds
            p = Point(self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy))
            if poly.contains(p) and self.clear(p):
                return p
        raise RuntimeError("no free place found")

    def near_building(self):
        for _ in range(200):
            fp = self.rng.choice(self.footprints)
            ring = fp.buffer(self.rng.uniform(3, 12)).exterior
            p = ring.interpolate(self.rng.uniform(0, ring.length))
            if self.clear(p):
                return p
        return self.free_point()

    def free_polygon(self, lo, hi, others):
        for _ in range(400):
            c = self.free_point()
            w, h = self.rng.uniform(lo, hi), self.rng.uniform(lo, hi)
            shape = box(c.x - w / 2, c.y - h / 2, c.x + w / 2, c.y + h / 2)
            if self.rng.random() < 0.5:
                shape = shapely.affinity.rotate(shape, self.rng.uniform(0, 90))
            if self.clear(shape, gap=3.0) and not any(shape.buffer(2).intersects(o) for o in others):
                others.append(shape)
                return shape
        return None


@transaction.atomic
def build(seed=2026, stdout=None):
    log = stdout.write if stdout else (lambda s: None)
    rng = random.Random(seed)
    call_command("loaddata", "asset_types", verbosity=0)
    district = District.objects.get(code=DISTRICT_CODE)
    communities = [
        (c, _utm(c.boundary).buffer(-8)) for c in Community.objects.filter(street__district=district).order_by("code")
    ]
    communities.sort(key=lambda pair: pair[0].full_code)
    footprints = [
        _utm(b.footprint)
        for b in Building.objects.filter(community__street__district=district).order_by("community__code", "name")
    ]
    layout = Layout(rng, communities, footprints)
    types = {t.full_code: t for t in AssetType.objects.select_related("family")}
    serials = {}
    rows = []

    def add(code, shape, **attrs):
        t = types[code]
        serials[code] = serials.get(code, 0) + 1
        geom = _to_geos(shape)
        anchor = geom if geom.geom_type == "Point" else geom.point_on_surface
        rows.append(
            Asset(
                identifier=f"{district.code}{code}{serials[code]:06d}",
                serial=serials[code],
                type=t,
                name=attrs.pop("name", f"{NAMES[code]}{serials[code]:04d}"),
                geom=geom,
                anchor=anchor,
                district=district,
                condition=rng.choices(["good", "damaged", "missing", "repair"], weights=[90, 5, 2, 3])[0],
                department=rng.choice(DEPARTMENTS[code[:2]]),
                owner=attrs.pop("owner", "江城区人民政府"),
                **attrs,
            )
        )

    for code, (n, placement) in POINTS.items():
        t = types[code]
        for _ in range(n):
            p = layout.near_building() if placement == "building" else layout.free_point()
            attrs = {}
            if t.has_opening_hours:
                if code in ("0304", "0303") and rng.random() < 0.4:
                    attrs["open_24h"] = True
                elif code in ("0304", "0302", "0305", "0303"):
                    attrs["opens_at"], attrs["closes_at"] = (
                        time(rng.choice([5, 6, 7]), 0),
                        time(rng.choice([21, 22]), 0),
                    )
                else:
                    attrs["opens_at"], attrs["closes_at"] = time(8, 30), time(rng.choice([17, 18, 20]), 30)
            if code in ("0304", "0603", "0604", "0606", "0607", "0302", "0305"):
                attrs["accessible"] = rng.random() < 0.65
            if t.has_capacity:
                attrs["capacity"] = {"0301": rng.choice([120, 240]), "0302": 660 * rng.randint(2, 6)}.get(
                    code, rng.randint(10, 40)
                )
            if t.accepts_sorting:
                attrs["sorting"] = (
                    list(SORTING)
                    if code != "0301"
                    else rng.choice([["kitchen", "residual"], ["recyclable", "residual"]])
                )
            if code in ("0402", "0403"):
                attrs["open_for_adoption"] = rng.random() < 0.15
            add(code, p, **attrs)

    placed = []
    for code, (n, lo, hi) in POLYGONS.items():
        t = types[code]
        for _ in range(n):
            shape = layout.free_polygon(lo, hi, placed)
            if shape is None:
                continue
            attrs = {}
            if t.has_capacity:
                attrs["capacity"] = max(5, int(shape.area / 25))
            if t.adoptable:
                attrs["open_for_adoption"] = rng.random() < 0.55
            add(code, shape, **attrs)
    for code, n in LINES.items():
        for _ in range(n):
            a = layout.free_point()
            b = Point(a.x + rng.uniform(-120, 120), a.y + rng.uniform(-120, 120))
            line = LineString([a, b])
            if any(poly.contains(line) for _, poly in communities):
                add(code, line)

    Asset.objects.bulk_create(rows, batch_size=1000)
    created = Asset.objects.filter(district=district)
    created.refresh_measures()
    created.assign_cells()
    log(f"{len(rows)} assets ({sum(1 for r in rows if r.type.green_area)} green polygons)\n")
    _adoptions(rng, district)
    _inspections(rng, district)


def _adoptions(rng, district):
    today = timezone.localdate()
    User = get_user_model()
    residents = []
    for i in range(1, 61):
        user, _ = User.objects.get_or_create(
            username=f"r{district.code}{i:03d}", defaults={"first_name": person_name(rng)}
        )
        residents.append(user)
    staff = User.objects.filter(username__startswith=f"w{district.code}").order_by("username").first()
    offered = list(Asset.objects.filter(district=district, open_for_adoption=True).order_by("identifier"))
    rng.shuffle(offered)
    adoptions, logs = [], []
    for i, asset in enumerate(offered[: int(len(offered) * 0.6)]):
        start = today - timedelta(days=rng.randint(20, 500))
        end = start + timedelta(days=rng.choice([180, 365, 730]))
        status = Adoption.Status.APPROVED if i % 9 else Adoption.Status.PENDING
        kind = Adoption.AdopterKind.ORGANISATION if rng.random() < 0.25 else Adoption.AdopterKind.HOUSEHOLD
        a = Adoption(
            asset=asset,
            applicant=rng.choice(residents),
            adopter_kind=kind,
            adopter_name=rng.choice(["江城小学", "幸福物业", "社区志愿者服务队", "江岸党支部"])
            if kind == Adoption.AdopterKind.ORGANISATION
            else person_name(rng),
            contact_phone=phone(rng),
            start=start,
            end=end,
            status=status,
            reviewed_by=staff if status == Adoption.Status.APPROVED else None,
            agreement=f"认养人负责{asset.name}的日常养护，期限{start}至{end}。",
        )
        adoptions.append(a)
    Adoption.objects.bulk_create(adoptions)
    # Applied some days before the start, reviewed a few days after applying: stored after the insert, which stamps
    # the automatic created_at/updated_at with the clock time.
    applied = []
    for a in adoptions:
        at = _local(a.start - timedelta(days=rng.randint(5, 25)), rng.randint(8, 20))
        reviewed = at + timedelta(days=rng.randint(1, 4)) if a.status == Adoption.Status.APPROVED else None
        applied.append((a.pk, at, reviewed or at, reviewed))
    _set_times(Adoption, ["created_at", "updated_at", "reviewed_at"], applied)
    for a in adoptions:
        if a.status != Adoption.Status.APPROVED:
            continue
        diligent = rng.random() < 0.75
        day = a.start + timedelta(days=rng.randint(1, 10))
        last = min(a.end, today)
        while day <= last:
            logs.append(MaintenanceLog(adoption=a, date=day, work=rng.choice(WORKS), logged_by=a.applicant))
            day += timedelta(days=rng.randint(5, 25) if diligent else rng.randint(40, 90))
    MaintenanceLog.objects.bulk_create(logs, batch_size=2000)
    now = timezone.now()
    times = [(g.pk, min(_local(g.date, rng.randint(8, 19)), now)) for g in logs]
    _set_times(MaintenanceLog, ["created_at", "updated_at"], [(pk, at, at) for pk, at in times])


def _inspections(rng, district):
    today, now = timezone.localdate(), timezone.now()
    workers = {
        a.cell_id: a.worker
        for a in GridAssignment.objects.filter(cell__community__street__district=district).select_related("worker")
    }
    sample = list(Asset.objects.filter(district=district, cell__isnull=False).order_by("identifier"))
    rows = []
    for asset in rng.sample(sample, min(400, len(sample))):
        worker = workers.get(asset.cell_id)
        if worker is None:
            continue
        rows.append(
            Inspection(
                asset=asset,
                inspector=worker,
                condition=asset.condition,
                note="例行巡查",
                inspected_at=min(_local(today - timedelta(days=rng.randint(0, 60)), rng.randint(8, 17)), now),
            )
        )
    Inspection.objects.bulk_create(rows)
    _set_times(Inspection, ["created_at", "updated_at"], [(i.pk, i.inspected_at, i.inspected_at) for i in rows])


def _local(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _set_times(model, columns, rows, batch=2000):
    """Store generated times [(id, value per column)] with one UPDATE per batch (bulk_create stamps automatic
    created_at/updated_at fields with the clock time)."""
    sets = ", ".join(f"{c} = v.{c}" for c in columns)
    arrays = ", ".join("%s::timestamptz[]" for _c in columns)
    sql = (
        f"UPDATE {model._meta.db_table} AS t SET {sets} FROM unnest(%s::bigint[], {arrays}) "
        f"AS v(id, {', '.join(columns)}) WHERE t.id = v.id"
    )
    with connection.cursor() as cur:
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            cur.execute(sql, [[r[0] for r in chunk], *([r[k + 1] for r in chunk] for k in range(len(columns)))])


def reset(district_code=DISTRICT_CODE):
    assets = Asset.objects.filter(district__code=district_code)
    MaintenanceLog.objects.filter(adoption__asset__in=assets).delete()
    Adoption.objects.filter(asset__in=assets).delete()
    assets.delete()
    get_user_model().objects.filter(username__startswith=f"r{district_code}", adoptions=None).delete()
