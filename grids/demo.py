"""A deterministic demo city: one district, 2 streets, 6 communities, ~60 cells, ~600 buildings, ~15,000 households.

Geometry is laid out in metres on UTM zone 50N around 114.32°E 30.515°N and stored in EPSG:4326.
"""

import random
from datetime import date

import shapely
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import transaction
from shapely.geometry import LineString, Polygon, box
from shapely.ops import split as split_geom

from common.geometry import as_multipolygon
from common.validators import id_number_check_char
from grids import split
from grids.models import Building, Community, Compound, District, GridAssignment, Household, Street

UTM = 32650
DISTRICT_CODE = "420199"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红文斌辉鹏飞宇浩凯佳欣怡梅琳晨雪峰"
STREETS = [("001", "江岸街道"), ("002", "沙湖街道")]
COMMUNITIES = [
    [("001", "紫阳社区"), ("002", "首义社区"), ("003", "涵三宫社区")],
    [("001", "水果湖社区"), ("002", "东亭社区"), ("003", "梅苑社区")],
]
COMPOUND_SUFFIX = ["小区", "花园", "家园", "新村", "苑"]
COMPOUND_WORDS = (
    "和平 幸福 阳光 翠柳 紫荆 锦绣 凤凰 东湖 江景 新华 桂园 兰亭 丽水 春晖 建设 友谊 民主 胜利 长青 安居".split()
)


def _geos(shape, srid=UTM):
    g = GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=srid)
    g.transform(4326)
    return g


def _wavy_line(rng, start, end, steps, amplitude, vertical):
    (x0, y0), (x1, y1) = start, end
    pts = []
    for i in range(steps + 1):
        t = i / steps
        x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        if 0 < i < steps:
            d = rng.uniform(-amplitude, amplitude)
            x, y = (x + d, y) if vertical else (x, y + d)
        pts.append((x, y))
    return LineString(pts)


def _jittered_rect(rng, x0, y0, w, h, steps=8, amplitude=60):
    pts = []
    corners = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]
    for k in range(4):
        (ax, ay), (bx, by) = corners[k], corners[(k + 1) % 4]
        for i in range(steps):
            t = i / steps
            x, y = ax + (bx - ax) * t, ay + (by - ay) * t
            if i:
                if ay == by:
                    y += rng.uniform(-amplitude, amplitude)
                else:
                    x += rng.uniform(-amplitude, amplitude)
            pts.append((x, y))
    return Polygon(pts)


def _cut(poly, line):
    parts = [p for p in split_geom(poly, line).geoms if p.area > 1]
    return parts


def person_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))


def id_number(rng, region=DISTRICT_CODE):
    born = date(rng.randint(1940, 2000), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"{region}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_number_check_char(first17)


def phone(rng):
    return rng.choice(["138", "139", "135", "186", "187", "158", "177", "133"]) + f"{rng.randint(0, 99999999):08d}"


@transaction.atomic
def build(seed=2026, households_per_cell=300, target_buildings=600, target_households=15000, stdout=None):
    rng = random.Random(seed)
    log = stdout.write if stdout else (lambda s: None)
    origin = Point(114.300, 30.500, srid=4326).transform(UTM, clone=True)
    ox, oy = origin.x, origin.y
    width, height = 3800.0, 3300.0

    district_shape = _jittered_rect(rng, ox, oy, width, height)
    district = District.objects.create(
        code=DISTRICT_CODE, name="江城区", boundary=as_multipolygon(_geos(district_shape))
    )

    divider = _wavy_line(rng, (ox + width * 0.5, oy - 500), (ox + width * 0.5, oy + height + 500), 10, 120, True)
    street_shapes = sorted(_cut(district_shape, divider), key=lambda p: p.centroid.x)
    community_shapes = []
    for (scode, sname), sshape, cdefs in zip(STREETS, street_shapes, COMMUNITIES, strict=True):
        street = Street.objects.create(
            district=district, code=scode, name=sname, boundary=as_multipolygon(_geos(sshape))
        )
        minx, _miny, maxx, _maxy = sshape.bounds
        pieces = [sshape]
        for frac in (2 / 3, 1 / 3):
            line = _wavy_line(rng, (minx - 500, oy + height * frac), (maxx + 500, oy + height * frac), 8, 90, False)
            pieces = [q for p in pieces for q in _cut(p, line)]
        pieces.sort(key=lambda p: -p.centroid.y)  # codes north → south
        for (ccode, cname), cshape in zip(cdefs, pieces, strict=True):
            community = Community.objects.create(
                street=street, code=ccode, name=cname, boundary=as_multipolygon(_geos(cshape))
            )
            community_shapes.append((community, cshape))
    log(f"district {district.code}: {len(street_shapes)} streets, {len(community_shapes)} communities\n")

    block_w, block_h, road = 300.0, 250.0, 40.0
    blocks = []
    for community, cshape in community_shapes:
        minx, miny, maxx, maxy = cshape.bounds
        y = miny + road
        while y + block_h < maxy:
            x = minx + road
            while x + block_w < maxx:
                block = box(x, y, x + block_w, y + block_h)
                if cshape.contains(block.buffer(15)):
                    blocks.append((community, x, y, block))
                x += block_w + road
            y += block_h + road

    buildings = []
    names_used = set()
    per_block = target_buildings / max(len(blocks), 1)
    for community, x, y, block in blocks:
        name = rng.choice(COMPOUND_WORDS) + rng.choice(COMPOUND_SUFFIX)
        while name in names_used:
            name = rng.choice(COMPOUND_WORDS) + rng.choice(COMPOUND_WORDS)[:1] + rng.choice(COMPOUND_SUFFIX)
        names_used.add(name)
        kind = rng.choices(list(Compound.Kind.values), weights=[70, 8, 6, 8, 8])[0]
        compound = Compound.objects.create(
            community=community, name=name, kind=kind, boundary=as_multipolygon(_geos(block))
        )
        slots = [(c, r) for c in range(4) for r in range(6)]
        count = max(3, min(len(slots), round(per_block) + rng.randint(-2, 2)))
        for i, (c, r) in enumerate(sorted(rng.sample(slots, count))):
            bx, by = x + 15 + c * 70, y + 12 + r * 40
            footprint = _geos(box(bx, by, bx + 58, by + 14))
            year = rng.choice([rng.randint(1975, 1999), rng.randint(1980, 2005), rng.randint(2000, 2022)])
            storeys = rng.choice([4, 5, 6, 6, 7]) if year < 2005 else rng.choice([6, 7, 11, 18])
            buildings.append(
                Building(
                    name=f"{name}{i + 1}栋",
                    compound=compound,
                    footprint=footprint,
                    anchor=footprint.point_on_surface,
                    year_built=year,
                    storeys=storeys,
                    units=rng.choice([1, 2, 2, 2, 3]) if storeys < 11 else 1,
                )
            )
    Building.objects.bulk_create(buildings, batch_size=1000)
    Building.objects.filter(anchor__coveredby=district.boundary).assign_cells()
    log(f"{len(buildings)} buildings\n")

    # Not every flat holds a registered household: occupancy brings the register near its target size.
    flats = sum(b.units * b.storeys * (2 if b.storeys < 11 else 4) for b in buildings)
    occupancy = min(1.0, target_households / max(flats, 1))
    households = []
    for b in buildings:
        rooms = 2 if b.storeys < 11 else 4
        for unit in range(1, b.units + 1):
            for floor in range(1, b.storeys + 1):
                for r in range(1, rooms + 1):
                    if rng.random() >= occupancy:
                        continue
                    households.append(
                        Household(
                            building=b,
                            unit=f"{unit}单元",
                            room=f"{floor}{r:02d}",
                            location=b.anchor,
                            head_name=person_name(rng),
                            phone=phone(rng),
                            id_number=id_number(rng),
                            residents=rng.choice([1, 2, 2, 3, 3, 3, 4, 5]),
                            status=Household.Status.ABSENT if rng.random() < 0.1 else Household.Status.RESIDENT,
                            elderly_alone=rng.random() < 0.08,
                            low_income=rng.random() < 0.03,
                            disabled=rng.random() < 0.02,
                            toilet=Household.Toilet.DRY if rng.random() < 0.06 else Household.Toilet.SANITARY,
                            courtyard=rng.choices(list(Household.Courtyard.values), weights=[70, 10, 20])[0],
                        )
                    )
    Household.objects.bulk_create(households, batch_size=2000)
    # 1+10: every 11th household of a building may be a party-member centre linking the next ten.
    centres, linked = [], []
    for start in range(0, len(households), 11):
        group = households[start : start + 11]
        if len(group) == 11 and group[0].building_id == group[-1].building_id and rng.random() < 0.3:
            group[0].party_center = True
            centres.append(group[0])
            for h in group[1:]:
                h.linked_center = group[0]
                linked.append(h)
    Household.objects.bulk_update(centres, ["party_center"], batch_size=2000)
    Household.objects.bulk_update(linked, ["linked_center"], batch_size=2000)
    log(f"{len(households)} households\n")

    User = get_user_model()
    workers_group, _ = Group.objects.get_or_create(name="grid workers")
    workers_group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="grids", codename__in=["view_household", "change_household", "view_building"]
        )
    )
    n_cells = 0
    for community, _shape in community_shapes:
        proposal = split.by_households(community, households_per_cell)
        cells = split.save_split(community, proposal)
        for cell in cells:
            user = User.objects.create_user(username=f"w{cell.code}", first_name=person_name(rng), password=None)
            user.groups.add(workers_group)
            GridAssignment.objects.create(
                cell=cell, worker=user, role=GridAssignment.Role.PRIMARY, start=date(2026, 1, 1)
            )
        n_cells += len(cells)
    log(f"{n_cells} grid cells with their grid workers\n")
    return district
