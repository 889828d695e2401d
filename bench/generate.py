"""A synthetic city of a chosen scale and seed, written with set-based SQL (generate_series) into the project's tables.

The layout is a regular one, in metres on UTM zone 50N around 114.3°E 30.5°N, stored in EPSG:4326:
one district, cut into streets, each cut into communities, each tiled by square grid cells whose edges are
densified (a vertex every eighth of a side) so that they are shared exactly between neighbours. Buildings sit
at random inside the cells, households at random inside their building's footprint. Every random figure comes
from PostgreSQL's random() after setseed(), drawn in generate_series order, so a seed gives the same city.

Cells, buildings and households get their cell and community as they are written (the layout knows them);
the assignment benchmark recomputes them. Apps that land later (assets, responsibility, cases) add their rows
through the EXTRAS hooks, when they are installed.
"""

import time
from dataclasses import asdict, dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import connection, transaction

UTM = 32650
DISTRICT_CODE = "420198"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红文斌辉鹏飞宇浩凯佳欣怡梅琳晨雪峰"
NAMES = {"surnames": SURNAMES, "given": GIVEN, "ns": len(SURNAMES), "ng": len(GIVEN)}


@dataclass(frozen=True)
class Scale:
    name: str
    communities_x: int  # communities west→east
    communities_y: int  # communities south→north
    cells_x: int  # cells per community, west→east
    cells_y: int  # cells per community, south→north
    street_x: int  # communities per street, west→east
    street_y: int  # communities per street, south→north
    buildings: int
    households: int
    assets: int
    cases: int
    cell_m: float = 200.0

    @property
    def nx(self):
        return self.communities_x * self.cells_x

    @property
    def ny(self):
        return self.communities_y * self.cells_y

    @property
    def cells(self):
        return self.nx * self.ny

    @property
    def communities(self):
        return self.communities_x * self.communities_y

    @property
    def streets(self):
        return (self.communities_x // self.street_x) * (self.communities_y // self.street_y)

    def __post_init__(self):
        if self.communities_x % self.street_x or self.communities_y % self.street_y:
            raise ValueError("streets must hold whole blocks of communities")


SCALES = {
    # For the harness's own test: a few cells, a thousand households.
    "tiny": Scale("tiny", 2, 1, 2, 2, 1, 1, buildings=40, households=1000, assets=200, cases=500),
    # The demo city's size: 2 streets, 6 communities, 60 cells, 600 buildings, 15,000 households.
    "small": Scale("small", 3, 2, 5, 2, 3, 1, buildings=600, households=15_000, assets=3_000, cases=7_500),
    # A large district: 20 streets, 500 communities, 5,000 cells, 1M households.
    "medium": Scale(
        "medium", 20, 25, 5, 2, 5, 5, buildings=40_000, households=1_000_000, assets=200_000, cases=500_000
    ),
    # Issue 16's growth check: 100 streets, 2,500 communities, 50,000 cells, 10M households (about ten times the
    # medium city's database: some 11 GB).
    "large": Scale(
        "large", 50, 50, 5, 4, 5, 5, buildings=400_000, households=10_000_000, assets=2_000_000, cases=5_000_000
    ),
}

# Hooks for other apps' rows: {app_label: function(cursor, scale, ctx) -> {table: rows}}; see register_extra.
EXTRAS = {}


def register_extra(app_label):
    def deco(fn):
        EXTRAS[app_label] = fn
        return fn

    return deco


def table(model_label):
    return apps.get_model(model_label)._meta.db_table


def _envelope(x0, y0, x1, y1):
    """SQL for a densified rectangle in cell units (S = cell side) turned into an EPSG:4326 MultiPolygon."""
    return (
        f"ST_Multi(ST_Transform(ST_Segmentize(ST_MakeEnvelope("
        f"%(ox)s + ({x0}) * %(s)s, %(oy)s + ({y0}) * %(s)s, %(ox)s + ({x1}) * %(s)s, %(oy)s + ({y1}) * %(s)s, "
        f"{UTM}), %(s)s / 8.0), 4326))"
    )


def _set_sequence(cur, tbl):
    cur.execute(
        f"SELECT setval(pg_get_serial_sequence('{tbl}', 'id'), greatest((SELECT max(id) FROM {tbl}), 1))"  # noqa: S608
    )


def secondary_indexes(cur, tbl):
    """(name, definition) of the table's indexes that no constraint owns: they can be dropped and rebuilt."""
    cur.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = %s
              AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)""",
        [tbl, tbl],
    )
    return cur.fetchall()


class bulk_load:
    """Drop a table's secondary indexes for a bulk INSERT and rebuild them after (much faster than row-wise upkeep)."""

    def __init__(self, cur, tbl):
        self.cur, self.tbl = cur, tbl

    def __enter__(self):
        self.indexes = secondary_indexes(self.cur, self.tbl)
        for name, _definition in self.indexes:
            self.cur.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            for _name, definition in self.indexes:
                self.cur.execute(definition)
        return False


def clear(cur):
    """Empty the tables of the hierarchy (and, by cascade, everything that refers to them)."""
    tables = [
        table(m)
        for m in (
            "grids.Household",
            "grids.Building",
            "grids.Compound",
            "grids.GridAssignment",
            "grids.GridCell",
            "grids.Community",
            "grids.Street",
            "grids.District",
        )
    ]
    tables.append(get_user_model()._meta.db_table)
    cur.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def build(scale, seed=2026, log=None):
    """Build the city of this scale into the current database (emptied first). Returns counts and step timings."""
    if isinstance(scale, str):
        scale = SCALES[scale]
    log = log or (lambda s: None)
    origin = Point(114.30, 30.50, srid=4326).transform(UTM, clone=True)
    p = {
        "ox": origin.x,
        "oy": origin.y,
        "s": scale.cell_m,
        "nx": scale.nx,
        "ny": scale.ny,
        "kx": scale.cells_x,
        "ky": scale.cells_y,
        "sx": scale.street_x,
        "sy": scale.street_y,
        "ncx": scale.communities_x,
        "ncy": scale.communities_y,
        "nsx": scale.communities_x // scale.street_x,
        "nsy": scale.communities_y // scale.street_y,
        "ncells": scale.cells,
        "nb": scale.buildings,
        "nh": scale.households,
        "district": DISTRICT_CODE,
        "seed": (seed % 2_000_000) / 2_000_000.0,
    }
    steps = {}
    started = time.perf_counter()

    def step(name):
        now = time.perf_counter()
        steps[name] = round(now - step.last, 3)
        step.last = now
        log(f"  {name}: {steps[name]:.1f} s\n")

    step.last = started

    with transaction.atomic(), connection.cursor() as cur:
        # One process draws every random number in order: no parallel plans, triggers off for the bulk writes
        # (the rows are consistent by construction).
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SELECT setseed(%(seed)s)", p)
        clear(cur)
        step("clear")
        _hierarchy(cur, p)
        step("district, streets, communities, cells")
        _workers(cur, p)
        step("grid workers")
        _buildings(cur, p)
        step("compounds and buildings")
        with bulk_load(cur, table("grids.Household")):
            _households(cur, p)
            step("households")
        step("household indexes")
        extra_counts = {}
        for label, fn in EXTRAS.items():
            if apps.is_installed(label):
                extra_counts.update(fn(cur, scale, p) or {})
                step(label)
        cur.execute("SET LOCAL session_replication_role = origin")
    from common import dashboard

    dashboard.rebuild_summaries()  # the bulk writes ran without triggers: the kept summaries start afresh
    step("dashboard summaries")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    step("analyze")
    counts = {}
    with connection.cursor() as cur:
        for label in ("grids.District", "grids.Street", "grids.Community", "grids.GridCell", "grids.Building"):
            cur.execute(f"SELECT count(*) FROM {table(label)}")  # noqa: S608
            counts[label] = cur.fetchone()[0]
        counts["grids.Household"] = scale.households
    counts.update(extra_counts)
    return {
        "scale": asdict(scale) | {"cells": scale.cells},
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 3),
        "steps": steps,
        "counts": counts,
    }


def _hierarchy(cur, p):
    district, street, community, cell = (
        table(m) for m in ("grids.District", "grids.Street", "grids.Community", "grids.GridCell")
    )
    # The layout: one row per cell with its community and street, codes numbered west→east, north→south.
    cur.execute(
        """CREATE TEMP TABLE bench_cell ON COMMIT DROP AS
           SELECT k, i, j, ci, cj, si, sj,
                  (%(nsy)s - 1 - sj) * %(nsx)s + si + 1 AS street_no,
                  (%(sy)s - 1 - cj %% %(sy)s) * %(sx)s + ci %% %(sx)s + 1 AS community_no,
                  (%(ky)s - 1 - j %% %(ky)s) * %(kx)s + i %% %(kx)s + 1 AS serial
             FROM (SELECT row_number() OVER (ORDER BY i, j) AS k, i, j,
                          i / %(kx)s AS ci, j / %(ky)s AS cj,
                          i / %(kx)s / %(sx)s AS si, j / %(ky)s / %(sy)s AS sj
                     FROM generate_series(0, %(nx)s - 1) i, generate_series(0, %(ny)s - 1) j) t""",
        p,
    )
    cur.execute(
        f"""INSERT INTO {district} (id, code, name, boundary, created_at, updated_at)
            VALUES (1, %(district)s, '基准区', {_envelope("0", "0", "%(nx)s", "%(ny)s")}, now(), now())""",
        p,
    )
    street_box = _envelope(
        "si * %(sx)s * %(kx)s", "sj * %(sy)s * %(ky)s", "(si + 1) * %(sx)s * %(kx)s", "(sj + 1) * %(sy)s * %(ky)s"
    )
    cur.execute(
        f"""INSERT INTO {street} (id, district_id, code, name, boundary, created_at, updated_at)
            SELECT street_no, 1, lpad(street_no::text, 3, '0'), '第' || street_no || '街道', {street_box},
                   now(), now()
              FROM (SELECT DISTINCT si, sj, street_no FROM bench_cell) s""",
        p,
    )
    cur.execute(
        f"""INSERT INTO {community} (id, street_id, code, kind, name, boundary, created_at, updated_at)
            SELECT row_number() OVER (ORDER BY street_no, community_no), street_no,
                   lpad(community_no::text, 3, '0'), 'urban', '社区' || street_no || '-' || community_no,
                   {_envelope("ci * %(kx)s", "cj * %(ky)s", "(ci + 1) * %(kx)s", "(cj + 1) * %(ky)s")},
                   now(), now()
              FROM (SELECT DISTINCT ci, cj, street_no, community_no FROM bench_cell) c""",
        p,
    )
    cur.execute(
        f"""ALTER TABLE bench_cell ADD COLUMN community_id bigint;
            UPDATE bench_cell b SET community_id = c.id
              FROM {community} c WHERE c.street_id = b.street_no AND c.code = lpad(b.community_no::text, 3, '0');
            INSERT INTO {cell} (id, community_id, serial, code, name, boundary, created_at, updated_at)
            SELECT k, community_id, serial,
                   %(district)s || lpad(street_no::text, 3, '0') || lpad(community_no::text, 3, '0')
                                || lpad(serial::text, 3, '0'),
                   '', {_envelope("i", "j", "i + 1", "j + 1")}, now(), now()
              FROM bench_cell""",
        p,
    )
    for t in (district, street, community, cell):
        _set_sequence(cur, t)


def _workers(cur, p):
    user = get_user_model()._meta.db_table
    assignment = table("grids.GridAssignment")
    cur.execute(
        f"""INSERT INTO {user} (id, password, is_superuser, username, first_name, last_name, email,
                                is_staff, is_active, date_joined)
            SELECT k, '!', false, 'w' || c.code,
                   substr(%(surnames)s, 1 + (k %% %(ns)s)::int, 1) || substr(%(given)s, 1 + (k * 7 %% %(ng)s)::int, 1),
                   '', '', false, true, now()
              FROM bench_cell b JOIN {table("grids.GridCell")} c ON c.id = b.k""",
        p | NAMES,
    )
    cur.execute(
        f"""INSERT INTO {assignment} (id, cell_id, worker_id, role, start, "end", created_at, updated_at)
            SELECT k, k, k, 'primary', DATE '2026-01-01', NULL, now(), now() FROM bench_cell"""
    )
    _set_sequence(cur, user)
    _set_sequence(cur, assignment)


def _buildings(cur, p):
    compound, building = table("grids.Compound"), table("grids.Building")
    # One compound per cell, its inner part.
    cur.execute(
        f"""INSERT INTO {compound} (id, community_id, name, kind, boundary, created_at, updated_at)
            SELECT k, community_id, '小区' || k,
                   (ARRAY['ordinary','ordinary','ordinary','ordinary','ordinary','ordinary','affordable',
                          'public_rental','resettlement','three_no'])[1 + k %% 10],
                   ST_Multi(ST_Transform(ST_MakeEnvelope(%(ox)s + i * %(s)s + 10, %(oy)s + j * %(s)s + 10,
                            %(ox)s + (i + 1) * %(s)s - 10, %(oy)s + (j + 1) * %(s)s - 10, {UTM}), 4326)),
                   now(), now()
              FROM bench_cell""",
        p,
    )
    # Buildings: a 30 m × 12 m footprint at a random place of a random cell, kept 20 m inside it.
    cur.execute(
        """CREATE TEMP TABLE bench_building ON COMMIT DROP AS
           SELECT r.k, c.k AS cell_id, c.community_id,
                  %(ox)s + c.i * %(s)s + 20 + r.rx * (%(s)s - 70) AS x,
                  %(oy)s + c.j * %(s)s + 20 + r.ry * (%(s)s - 52) AS y,
                  r.year, r.storeys
             FROM (SELECT g + 1 AS k, 1 + floor(random() * %(ncells)s)::int AS ck, random() AS rx, random() AS ry,
                          1975 + floor(random() * 48)::int AS year,
                          (ARRAY[4,5,6,6,7,11,18])[1 + floor(random() * 7)::int] AS storeys
                     FROM generate_series(0, %(nb)s - 1) g) r
             JOIN bench_cell c ON c.k = r.ck""",
        p,
    )
    cur.execute(
        f"""INSERT INTO {building} (id, name, compound_id, footprint, anchor, year_built, storeys, units,
                                    cell_id, community_id, created_at, updated_at)
            SELECT k, '小区' || cell_id || '-' || k || '栋', cell_id,
                   ST_Transform(ST_MakeEnvelope(x, y, x + 30, y + 12, {UTM}), 4326),
                   ST_Transform(ST_SetSRID(ST_MakePoint(x + 15, y + 6), {UTM}), 4326),
                   year, storeys, CASE WHEN storeys < 11 THEN 2 ELSE 1 END, cell_id, community_id, now(), now()
              FROM bench_building"""
    )
    _set_sequence(cur, compound)
    _set_sequence(cur, building)


def _households(cur, p):
    household = table("grids.Household")
    cur.execute(
        f"""INSERT INTO {household} (id, building_id, unit, room, address, location, head_name, phone, id_number,
                                     residents, status, elderly_alone, low_income, disabled, party_center,
                                     linked_center_id, toilet, courtyard, cell_id, community_id,
                                     created_at, updated_at)
            SELECT r.k, b.k, (1 + r.unit) || '单元', (1 + floor(r.rroom * b.storeys)::int) || '0' || (1 + r.unit),
                   '', ST_Transform(ST_SetSRID(ST_MakePoint(b.x + 1 + r.rx * 28, b.y + 1 + r.ry * 10), {UTM}), 4326),
                   substr(%(surnames)s, 1 + floor(r.r1 * %(ns)s)::int, 1)
                       || substr(%(given)s, 1 + floor(r.r2 * %(ng)s)::int, 1),
                   (ARRAY['138','139','135','186','187','158','177','133'])[1 + floor(r.r3 * 8)::int]
                       || lpad(floor(r.r4 * 100000000)::bigint::text, 8, '0'),
                   '', 1 + floor(r.r5 * 5)::int,
                   CASE WHEN r.r6 < 0.1 THEN 'absent' ELSE 'resident' END,
                   r.r7 < 0.08, r.r8 < 0.03, r.r9 < 0.02, false, NULL,
                   CASE WHEN r.r10 < 0.06 THEN 'dry' ELSE 'sanitary' END,
                   CASE WHEN r.r11 < 0.7 THEN 'none' WHEN r.r11 < 0.8 THEN 'applied' ELSE 'awarded' END,
                   b.cell_id, b.community_id, now(), now()
              FROM (SELECT g + 1 AS k, 1 + floor(random() * %(nb)s)::int AS bk, floor(random() * 2)::int AS unit,
                           random() AS rroom, random() AS rx, random() AS ry, random() AS r1, random() AS r2,
                           random() AS r3, random() AS r4, random() AS r5, random() AS r6, random() AS r7,
                           random() AS r8, random() AS r9, random() AS r10, random() AS r11
                      FROM generate_series(0, %(nh)s - 1) g) r
              JOIN bench_building b ON b.k = r.bk""",
        p | NAMES,
    )
    _set_sequence(cur, household)


@register_extra("responsibility")
def _responsibility(cur, scale, p):
    """门前三包 frontages (a 10 m strip south of every building, a shop each), a 责任路段 street segment of 8 m
    along the south edge of every cell (the street's sanitation department), and a 包片 zone per community
    (its first cell's grid worker)."""
    party, area = table("responsibility.Party"), table("responsibility.ResponsibilityArea")
    q = p | {"ns": scale.streets}
    cur.execute(
        f"""INSERT INTO {party} (id, kind, name, user_id, household_id, created_at, updated_at)
            SELECT street_no, 'department', '第' || street_no || '街道环卫所', NULL::bigint, NULL::bigint, now(), now()
              FROM (SELECT DISTINCT street_no FROM bench_cell) s
            UNION ALL
            SELECT %(ns)s + k, 'organisation', '商户' || k, NULL, NULL, now(), now() FROM bench_building
            UNION ALL
            SELECT %(ns)s + %(nb)s + community_id, 'user', '', min(k), NULL, now(), now()
              FROM bench_cell GROUP BY community_id""",
        q,
    )
    cur.execute(
        f"""INSERT INTO {area} (id, kind, name, community_id, party_id, duties, start, "end", area, line, width_m,
                                note, created_at, updated_at)
            SELECT k, 'frontage', '门前三包' || k, community_id, %(ns)s + k,
                   ARRAY['clean', 'facade', 'order']::varchar[], DATE '2026-01-01', NULL::date,
                   ST_Multi(ST_Transform(ST_MakeEnvelope(x, y - 10, x + 30, y, {UTM}), 4326)), NULL::geometry,
                   NULL::float8, '',
                   now(), now()
              FROM bench_building
            UNION ALL
            SELECT %(nb)s + k, 'road', '路段' || k, community_id, street_no,
                   ARRAY['same_day', 'clean']::varchar[], DATE '2026-01-01', NULL,
                   ST_Multi(ST_Transform(ST_Buffer(line, 4, 'quad_segs=4'), 4326)), ST_Transform(line, 4326), 8, '',
                   now(), now()
              FROM (SELECT k, community_id, street_no,
                           ST_SetSRID(ST_MakeLine(ST_MakePoint(%(ox)s + i * %(s)s + 10, %(oy)s + j * %(s)s + 5),
                                                  ST_MakePoint(%(ox)s + (i + 1) * %(s)s - 10, %(oy)s + j * %(s)s + 5)),
                                      {UTM}) AS line
                      FROM bench_cell) c
            UNION ALL
            SELECT %(nb)s + %(ncells)s + c.id, 'zone', '包片' || c.id, c.id, %(ns)s + %(nb)s + c.id,
                   ARRAY['patrol']::varchar[], DATE '2026-01-01', NULL, c.boundary, NULL, NULL, '', now(), now()
              FROM {table("grids.Community")} c""",
        q,
    )
    _set_sequence(cur, party)
    _set_sequence(cur, area)
    cur.execute(f"SELECT count(*) FROM {area}")  # noqa: S608
    return {"responsibility.ResponsibilityArea": cur.fetchone()[0]}


@register_extra("assets")
def _assets(cur, scale, p):
    """Components at random places of random cells: 90% points (covers, lights, bins …), 8% polygons
    (20 m squares: green spaces, parking, squares), 2% lines (40 m blind paths), identified CJ/T 214-style."""
    from django.core.management import call_command

    asset, kind_table = table("assets.Asset"), table("assets.AssetType")
    cur.execute(f"SELECT count(*) FROM {kind_table}")  # noqa: S608
    if not cur.fetchone()[0]:
        call_command("loaddata", "asset_types", verbosity=0)
    cur.execute(
        f"""CREATE TEMP TABLE bench_type ON COMMIT DROP AS
            SELECT t.id, t.code AS tcode, f.code AS fcode, t.name, t.geometry_kind AS kind,
                   row_number() OVER (PARTITION BY t.geometry_kind ORDER BY f.code, t.code) AS n
              FROM {kind_table} t JOIN {table("assets.AssetFamily")} f ON f.id = t.family_id"""
    )
    cur.execute("SELECT kind, count(*) FROM bench_type GROUP BY kind")
    kinds = dict(cur.fetchall())
    q = p | {
        "na": scale.assets,
        "npt": kinds.get("point", 0),
        "npg": kinds.get("polygon", 0),
        "nln": kinds.get("line", 0),
    }
    cur.execute(
        """CREATE TEMP TABLE bench_asset ON COMMIT DROP AS
           SELECT r.k, t.id AS type_id, t.kind, t.name, t.fcode, t.tcode, c.k AS cell_id, c.community_id,
                  %(ox)s + c.i * %(s)s + 5 + r.rx * (%(s)s - 50) AS x,
                  %(oy)s + c.j * %(s)s + 5 + r.ry * (%(s)s - 30) AS y, r.rc
             FROM (SELECT g + 1 AS k, 1 + floor(random() * %(ncells)s)::int AS ck, random() AS rk, random() AS rt,
                          random() AS rx, random() AS ry, random() AS rc
                     FROM generate_series(0, %(na)s - 1) g) r
             JOIN bench_cell c ON c.k = r.ck
             JOIN bench_type t
               ON (t.kind, t.n) = (CASE WHEN r.rk < 0.9 OR %(npg)s = 0 THEN 'point'
                                        WHEN r.rk < 0.98 OR %(nln)s = 0 THEN 'polygon' ELSE 'line' END,
                                   1 + floor(r.rt * CASE WHEN r.rk < 0.9 OR %(npg)s = 0 THEN %(npt)s
                                                         WHEN r.rk < 0.98 OR %(nln)s = 0 THEN %(npg)s
                                                         ELSE %(nln)s END))""",
        q,
    )
    with bulk_load(cur, asset):
        cur.execute(
            f"""INSERT INTO {asset} (id, identifier, serial, type_id, name, geom, anchor, condition, owner, department,
                                    open_24h, opens_at, closes_at, capacity, accessible, sorting, open_for_adoption,
                                    note, area_m2, length_m, district_id, cell_id, community_id, created_at, updated_at)
                SELECT k, %(district)s || fcode || tcode || lpad(serial::text, 6, '0'), serial, type_id,
                       name || serial, geom, CASE WHEN kind = 'point' THEN geom ELSE ST_PointOnSurface(geom) END,
                       CASE WHEN rc < 0.9 THEN 'good' WHEN rc < 0.95 THEN 'damaged' WHEN rc < 0.98 THEN 'repair'
                            ELSE 'missing' END,
                       '', '', false, NULL, NULL, NULL, NULL, '{{}}'::varchar[], false, '',
                       CASE WHEN kind = 'polygon' THEN 400.0 END, CASE WHEN kind = 'line' THEN 40.0 END,
                       1, cell_id, community_id, now(), now()
                  FROM (SELECT a.*, row_number() OVER (PARTITION BY type_id ORDER BY k) AS serial,
                               ST_Transform(CASE kind
                                   WHEN 'point' THEN ST_SetSRID(ST_MakePoint(x, y), {UTM})
                                   WHEN 'polygon' THEN ST_MakeEnvelope(x, y, x + 20, y + 20, {UTM})
                                   ELSE ST_SetSRID(ST_MakeLine(ST_MakePoint(x, y), ST_MakePoint(x + 40, y)), {UTM})
                               END, 4326) AS geom
                          FROM bench_asset a) s""",
            q,
        )
    _set_sequence(cur, asset)
    return {"assets.Asset": scale.assets}


@register_extra("cases")
def _cases(cur, scale, p):
    """Cases over the past year at random places of random cells, in every state of the flow (most of them closed,
    some overdue), with dispatch time, deadline from the category and closure time; no events or photos."""
    from django.core.management import call_command

    case, category = table("cases.Case"), table("cases.Category")
    cur.execute(f"SELECT count(*) FROM {category}")  # noqa: S608
    if not cur.fetchone()[0]:
        call_command("loaddata", "case_categories", verbosity=0)
    cur.execute(
        f"""CREATE TEMP TABLE bench_category ON COMMIT DROP AS
            SELECT id, department, deadline_hours, row_number() OVER (ORDER BY code) AS n
              FROM {category} WHERE active"""
    )
    cur.execute("SELECT count(*) FROM bench_category")
    q = p | {"nc": scale.cases, "ncat": cur.fetchone()[0]}
    with bulk_load(cur, case):
        cur.execute(
            f"""INSERT INTO {case} (id, created_at, updated_at, kind, category_id, description, address, location,
                                   asset_id, state, version, token, reporter_id, contact_name, contact_phone,
                                   household_id, source, community_id, cell_id, grid_worker_id, handler_kind,
                                   handler_party_id, handler_user_id, department, dispatched_at, deadline_at,
                                   closed_at, reports)
                SELECT x.k, created, coalesce(closed, dispatched, created), kind, cat.id, '基准事件 ' || x.k, '',
                       ST_Transform(ST_SetSRID(ST_MakePoint(%(ox)s + c.i * %(s)s + 2 + rx * (%(s)s - 4),
                                                            %(oy)s + c.j * %(s)s + 2 + ry * (%(s)s - 4)), {UTM}), 4326),
                       NULL, state, 1, 'bench' || lpad(x.k::text, 12, '0'), NULL, '', '', NULL, 'web',
                       c.community_id, c.k, c.k, CASE WHEN dispatched IS NULL THEN '' ELSE 'department' END,
                       NULL, NULL, cat.department, dispatched,
                       dispatched + make_interval(hours => cat.deadline_hours), closed, 1
                  FROM (SELECT r.*,
                               CASE WHEN r.rs < 0.05 THEN 'rejected' WHEN r.rs < 0.75 THEN 'closed'
                                    WHEN r.rs < 0.80 THEN 'verified' WHEN r.rs < 0.85 THEN 'handled'
                                    WHEN r.rs < 0.90 THEN 'in_progress' WHEN r.rs < 0.95 THEN 'dispatched'
                                    WHEN r.rs < 0.98 THEN 'registered' ELSE 'reported' END AS state,
                               CASE WHEN r.rs >= 0.05 AND r.rs < 0.95
                                    THEN r.created + make_interval(secs => r.rd * 4 * 3600) END AS dispatched
                          FROM (SELECT g + 1 AS k, now() - make_interval(secs => random() * 365 * 86400) AS created,
                                       1 + floor(random() * %(ncells)s)::int AS ck,
                                       1 + floor(random() * %(ncat)s)::int AS catn,
                                       random() AS rx, random() AS ry, random() AS rs, random() AS rd,
                                       random() AS rc,
                                       CASE WHEN random() < 0.95 THEN 'problem'
                                            WHEN random() < 0.6 THEN 'help' ELSE 'good_deed' END AS kind
                                  FROM generate_series(0, %(nc)s - 1) g) r) x
                  JOIN bench_cell c ON c.k = x.ck
                  JOIN bench_category cat ON cat.n = x.catn
                  CROSS JOIN LATERAL (
                      SELECT CASE WHEN x.state = 'closed'
                                  THEN least(now(), x.dispatched
                                                    + make_interval(secs => x.rc * 1.5 * cat.deadline_hours * 3600))
                             END AS closed) cl""",
            q,
        )
    _set_sequence(cur, case)
    return {"cases.Case": scale.cases}
