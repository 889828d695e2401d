"""The dashboard's kept per-cell summaries (grids/summary.py, assets/summary.py) give the same figures as the direct
computation from the records, on a generated city after random edits of households, assets and adoptions — single
saves and bulk queryset writes alike (the triggers see both)."""

import random
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from assets import dashboard as assets_dashboard
from assets import summary as assets_summary
from assets.models import Adoption, Asset, AssetType
from bench import generate
from cases import dashboard as cases_dashboard
from cases import services as case_services
from cases.models import Case, Category
from cocreate import dashboard as cocreate_dashboard
from cocreate.models import Meeting
from cogov import dashboard
from cogov.dashboard import Period, Scope
from common import dashboard as registry
from grids.models import Community, District, GridCell, Household, Street

pytestmark = pytest.mark.django_db

RADII = [200, 100, 1000, 150, 730, 5000]  # standard radii read from the cell rows, others compared per household


def _random_point(rng, cells):
    while True:
        cell = rng.choice(cells)
        x0, y0, x1, y1 = cell.boundary.extent
        p = Point(rng.uniform(x0, x1), rng.uniform(y0, y1), srid=4326)
        if cell.boundary.contains(p):
            return p


def _scopes():
    out = [Scope("district", d) for d in District.objects.all()]
    out += [Scope("street", s) for s in Street.objects.all()]
    out += [Scope("community", c) for c in Community.objects.all()]
    out += [Scope("cell", c) for c in GridCell.objects.order_by("code")]
    return out


def _rows(section):
    return [(str(row[0]), *row[1:]) for row in section["rows"]]


def _compare(period):
    assert registry.refresh_summaries(limit=None)
    for scope in _scopes():
        direct = Scope(scope.level, scope.obj)
        kept = Scope(scope.level, scope.obj)
        kept.summaries = True
        assert dashboard.household_totals(kept) == dashboard.household_totals(direct), scope
        assert dashboard.children(kept, period) == dashboard.children(direct, period), scope
        for radius in RADII:
            assert _rows(assets_dashboard.summarised_section(kept, period, radius)) == _rows(
                assets_dashboard.direct_section(direct, period, radius)
            ), (scope, radius)
        _compare_cases(kept, direct, period)
        assert _rows(cocreate_dashboard.participation_section(kept, period, 200) or {"rows": []}) == _rows(
            cocreate_dashboard.participation_section(direct, period, 200) or {"rows": []}
        ), scope
    # The cell map's figures as well (one row per cell, from the district down).
    top = Scope("district", District.objects.get())
    kept = Scope("district", top.obj)
    kept.summaries = True
    assert dashboard.cell_map(kept, period) == dashboard.cell_map(top, period)
    return dict(_rows(assets_dashboard.summarised_section(kept, period, 200)))


def _case_rows(scope, period, now, summaries):
    section = cases_dashboard.dashboard_figures(
        None, scope.cells, period.start, period.end, summaries, now=now, unit=(scope.level, scope.obj.pk)
    )
    return [(str(label), str(value), str(previous)) for label, value, previous in section["rows"]]


def _month(day, back):
    """The first day of the month `back` months before the month of `day`."""
    for _i in range(back):
        day = day.replace(day=1) - timedelta(days=1)
    return day.replace(day=1)


def _offered_periods(today):
    """Periods the page offers or a reader may ask for (?start=&end=): the month so far (the default), last month,
    30 days across a month's turn, a range of months with partial months at both ends, a month's first day, a
    year."""
    last_month = _month(today, 1)
    return [
        Period.parse({}),
        Period(last_month, today.replace(day=1) - timedelta(days=1)),
        Period(last_month - timedelta(days=10), last_month + timedelta(days=19)),
        Period(_month(today, 5).replace(day=15), last_month.replace(day=10)),
        Period(last_month, last_month),
        Period(today - timedelta(days=364), today),
    ]


def _compare_cases(kept, direct, period):
    """The cases section (this period and the previous one) from the kept rows and from the cases, now and as time
    passes with nothing written (overdue grows with the clock): the same rows. A period of last year as well, and
    for a district or street (read from their roll-ups, the busiest cells from months and edge days) every period
    of _offered_periods."""
    now = timezone.now()
    earlier = Period(period.start - timedelta(days=200), period.end - timedelta(days=180))
    for when in (now, now + timedelta(hours=2), now + timedelta(days=40)):
        for p in (period, earlier):
            assert _case_rows(kept, p, when, True) == _case_rows(direct, p, when, False), (kept, p, when)
    if kept.level in ("district", "street"):
        for p in _offered_periods(timezone.localdate()):
            assert _case_rows(kept, p, now, True) == _case_rows(direct, p, now, False), (kept, p)


def _edit_cases(rng, cells):
    """Cases reported, closed, moved to another cell, recategorised and deleted, by single saves and bulk updates;
    two on the clock in one cell, category and day whose deadlines lie either side of the present."""
    categories = list(Category.objects.filter(active=True))
    now = timezone.now()

    def report(i):
        return case_services.submit(
            case_services.Report(
                kind=Case.Kind.PROBLEM,
                category=rng.choice(categories),
                description=f"汇总测试事件 {rng.random()} {i}",
                location=_random_point(rng, cells),
                contact_phone="13812345678",
            )
        )

    made = [report(i) for i in range(8)]
    first, second = made[0], made[1]
    Case.objects.filter(pk__in=[first.pk, second.pk]).update(
        cell=first.cell,
        category=first.category,
        created_at=now - timedelta(hours=3),
        state="dispatched",
        dispatched_at=now - timedelta(hours=3),
    )
    Case.objects.filter(pk=first.pk).update(deadline_at=now - timedelta(hours=1))
    Case.objects.filter(pk=second.pk).update(deadline_at=now + timedelta(hours=1))
    # Reported either side of midnight in Asia/Shanghai at a month's turn (16:00 UTC): the local day and month count.
    turn = timezone.make_aware(datetime.combine(_month(timezone.localdate(), 1), time.min))
    for case, at in zip(made[4:8], (-1, 0, 1, 60 * 24 - 1), strict=True):
        Case.objects.filter(pk=case.pk).update(created_at=turn + timedelta(minutes=at))
    for c in made[2:4]:  # handled and closed, one late, by single saves
        c.state, c.dispatched_at = "closed", now - timedelta(hours=30)
        c.deadline_at, c.closed_at = now - timedelta(hours=rng.choice([2, 40])), now - timedelta(hours=5)
        c.save()
    existing = list(Case.objects.exclude(pk__in=[m.pk for m in made]).order_by("id"))
    open_ones = [c for c in existing if c.state not in ("closed", "rejected")]
    closing = rng.sample(open_ones, min(15, len(open_ones)))
    Case.objects.filter(pk__in=[c.pk for c in closing]).update(state="closed", closed_at=now)  # bulk, no save()
    for c in rng.sample(existing, 10):  # moved to another cell
        c.cell = rng.choice([x for x in cells if x.pk != c.cell_id])
        c.save()
    Case.objects.filter(pk__in=[c.pk for c in rng.sample(existing, 10)]).update(category=rng.choice(categories))
    Case.objects.filter(pk__in=[c.pk for c in rng.sample(existing, 5)]).delete()


def _edit(rng, period):
    cells = list(GridCell.objects.all())
    homes = list(Household.objects.order_by("id"))
    sanitation = list(AssetType.objects.filter(pk__in=assets_summary.sanitation_type_ids()))
    green = list(AssetType.objects.filter(green_area=True, geometry_kind="polygon"))
    assert sanitation and green
    # Households moved (into another cell or within theirs), added, deleted, their figures changed.
    for h in rng.sample(homes, 40):
        h.location = _random_point(rng, cells)
        h.save()
    for h in rng.sample(homes, 30):
        h.status = rng.choice(["resident", "absent"])
        h.toilet = rng.choice(["sanitary", "dry", "none"])
        h.courtyard = rng.choice(["none", "applied", "awarded"])
        h.save()
    for i in range(25):
        Household.objects.create(head_name=f"新户{i}", location=_random_point(rng, cells), residents=rng.randint(1, 5))
    for h in rng.sample(homes, 20):
        h.delete()  # soft delete
    gone = [h.pk for h in rng.sample(homes, 10)]
    Household.all_objects.filter(pk__in=gone).delete()  # removed for good, in bulk
    Household.objects.filter(pk__in=[h.pk for h in rng.sample(homes, 60)]).update(toilet="dry")  # bulk, no save()
    _edit_cases(rng, cells)
    # Households at a residents' meeting this year (co-creation participation).
    meeting = Meeting.objects.create(
        community=rng.choice(cells).community, title="议事会", held_at=timezone.now(), venue="议事亭"
    )
    meeting.households.add(*rng.sample(list(Household.objects.order_by("id")), 30))
    # Sanitation points added, removed and moved; green spaces added (some across cell boundaries) and adopted.
    for i in range(12):
        Asset(type=rng.choice(sanitation), name=f"新设施{i}", geom=_random_point(rng, cells)).save()
    points = list(Asset.objects.filter(type__in=sanitation).order_by("id"))
    for a in rng.sample(points, min(6, len(points))):
        a.delete()
    points = list(Asset.objects.filter(type__in=sanitation).order_by("id"))
    for a in rng.sample(points, min(6, len(points))):
        a.geom = _random_point(rng, cells)
        a.save()
    added = 0
    while added < 8:
        c = _random_point(rng, cells)
        d = 0.0004
        square = Polygon.from_bbox((c.x - d, c.y - d, c.x + d, c.y + d))
        square.srid = 4326
        try:
            Asset(type=rng.choice(green), name=f"绿地{added}", geom=square).save()
        except ValidationError:  # across the district's edge: another place
            continue
        added += 1
    greens = list(Asset.objects.filter(type__green_area=True).order_by("id"))
    moved = rng.choice(greens)
    x, y = moved.anchor.x, moved.anchor.y
    moved.geom = Polygon.from_bbox((x - 0.0003, y - 0.0002, x + 0.0006, y + 0.0003))
    moved.geom.srid = 4326
    moved.save()
    user = get_user_model().objects.create(username=f"adopter{rng.random()}")
    unadopted = [a for a in greens if not a.adoptions.exists()]
    for a in rng.sample(unadopted, min(6, len(unadopted))):
        ended = rng.random() < 0.3
        Adoption.objects.create(
            asset=a,
            applicant=user,
            adopter_name="志愿队",
            contact_phone="13800000000",
            start=period.end - timedelta(days=60),
            end=period.end - timedelta(days=1) if ended else period.end + timedelta(days=300),
            status=Adoption.Status.APPROVED,
        )
    free = Asset.objects.filter(type__green_area=True, adoptions__isnull=True).order_by("id")
    Asset.objects.filter(pk=rng.choice(list(free)).pk).delete()  # removed, its pieces with it


def test_kept_summaries_equal_the_direct_figures_after_random_edits():
    generate.build("tiny", seed=11)
    today = timezone.localdate()
    period = Period(today - timedelta(days=29), today)
    rng = random.Random(5)
    _compare(period)
    for _round in range(2):
        _edit(rng, period)
        figures = _compare(period)
        assert all(v for v in figures.values()), figures  # green, adopted, covered: there were figures to compare
        took_part = set(
            Household.objects.filter(meetings__held_at__year=today.year).values_list("pk", flat=True).distinct()
        )
        with translation.override("en"):
            section = cocreate_dashboard.participation_section(Scope("district", District.objects.get()), period, 200)
            taking_part = {row[0]: row[1] for row in _rows(section)}["Households taking part this year"]
            assert took_part and taking_part == len(took_part)
    # A grid cell handed to a community of another street: the roll-ups of both streets change; the trigger marks
    # them for a rebuild, which the summaries' refresh does (a large backlog for the dashboard meanwhile).
    from cases import summary as case_summary

    cell = GridCell.objects.filter(cases__isnull=False).order_by("code").first()
    other = Community.objects.exclude(street=cell.community.street).order_by("code").first()
    GridCell.objects.filter(pk=cell.pk).update(community=other, serial=999)
    with connection.cursor() as cur:  # every summary row waits: a rebuild of the roll-ups from them
        cur.execute(f"SELECT count(*) + 1 FROM {case_summary.SUMMARY_TABLE}")
        assert case_summary.pending() == cur.fetchone()[0] > 1
    _compare(period)
    assert case_summary.pending() == 0


def test_a_large_backlog_is_left_to_the_worker_and_the_view_computes_directly(monkeypatch):
    from gridwork.celery import app

    generate.build("tiny", seed=3)
    assert registry.refresh_summaries(limit=0)  # nothing waiting
    Household.objects.update(status="absent")  # one bulk statement: every key stale
    assert not registry.refresh_summaries(limit=0)
    # The view: the backlog is over the limit, so the worker's task is sent (run here in-process) and the view is
    # computed from the records.
    monkeypatch.setattr(dashboard, "SUMMARY_LAZY_LIMIT", 0)
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    scope = Scope("district", District.objects.get())
    today = timezone.localdate()
    figures, _children, _at = dashboard.cached(scope, Period(today, today), 200, "zh-hans")
    assert scope.summaries is False and figures.households["resident"] == 0
    assert all(s.pending() == 0 for s in registry.summaries())  # the worker's task brought them up to date
    kept = Scope("district", scope.obj)
    kept.summaries = True
    assert dashboard.household_totals(kept) == dashboard.household_totals(Scope("district", scope.obj))


def _nearest_one_by_one(types):
    """Each household's distance in metres to the nearest asset of each type, measured against every asset of the
    type in the household's UTM zone (no index, no rings, no batches): the reference. NULL beyond MAX_REACH_M."""
    zone = assets_summary.utm("h.location")
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT h.id, t.type_id, (
                    SELECT min(x.d) FROM (
                        SELECT ST_Distance(ST_Transform(a.anchor, {zone}), ST_Transform(h.location, {zone})) AS d
                          FROM assets_asset a WHERE a.type_id = t.type_id) x
                     WHERE x.d <= %s)
                  FROM grids_household h CROSS JOIN unnest(%s::int[]) t(type_id)
                 WHERE h.location IS NOT NULL""",
            [assets_summary.MAX_REACH_M, types],
        )
        return {(h, t): d for h, t, d in cur.fetchall()}


def _stored_distances():
    with connection.cursor() as cur:
        cur.execute(f"SELECT household_id, type_id, distance_m FROM {assets_summary.DISTANCE_TABLE}")
        return {(h, t): d for h, t, d in cur.fetchall()}


def _assert_same_distances(types):
    reference, stored = _nearest_one_by_one(types), _stored_distances()
    for key, expected in reference.items():
        assert key in stored, key
        if expected is None:
            assert stored[key] is None, key
        else:
            assert stored[key] == pytest.approx(expected, rel=1e-12, abs=1e-9), key
    return reference


def test_stored_distances_are_the_nearest_sanitation_point_of_each_type():
    """The set-based fill (per cell batch, widening rings) stores what a search over every asset finds: the nearest
    point also when it lies in a neighbouring cell or beyond the first ring, and nothing beyond the largest reach;
    after random edits (households and points moved, added, removed) as well."""
    generate.build("tiny", seed=7)  # the first fill: every household at once
    types = assets_summary.sanitation_type_ids()
    district = District.objects.get()
    x0, y0, _x1, _y1 = district.boundary.extent
    far = Household.objects.create(head_name="远户", location=Point(x0 - 0.08, y0, srid=4326))  # ~7.7 km west
    near_edge = Household.objects.create(head_name="边户", location=Point(x0 - 0.002, y0 + 0.001, srid=4326))
    assert far.cell_id is None and near_edge.cell_id is None
    assert registry.refresh_summaries(limit=None)
    reference = _assert_same_distances(types)
    assert all(reference[(far.pk, t)] is None for t in types)
    assert all(reference[(near_edge.pk, t)] is not None for t in types)
    assert any(d is not None and d > assets_summary.SEARCH_RINGS_M[0] for d in reference.values())
    with connection.cursor() as cur:  # some households' nearest point of a type lies in another cell
        cur.execute(
            f"""SELECT count(*) FROM {assets_summary.DISTANCE_TABLE} sd
                  JOIN grids_household h ON h.id = sd.household_id
                 WHERE sd.distance_m IS NOT NULL AND NOT EXISTS (
                     SELECT 1 FROM assets_asset a WHERE a.type_id = sd.type_id AND a.cell_id = h.cell_id
                        AND abs(ST_Distance(ST_Transform(a.anchor, {assets_summary.utm("h.location")}),
                                            ST_Transform(h.location, {assets_summary.utm("h.location")}))
                                - sd.distance_m) < 1e-6)"""
        )
        assert cur.fetchone()[0] > 0
    rng = random.Random(17)
    today = timezone.localdate()
    _edit(rng, Period(today - timedelta(days=29), today))
    assert registry.refresh_summaries(limit=None)
    _assert_same_distances(types)


def test_a_backlog_of_the_cases_alone_leaves_the_other_sections_on_their_summaries(monkeypatch):
    """Heavy intake leaves the cases' queue over the limit: the view still reads the households and assets from their
    kept summaries (brought up to date, their backlogs being small), computes the cases section from the cases, and
    asks the worker for the rest; the figures are those of the direct computation."""
    from gridwork.celery import app

    generate.build("tiny", seed=4)
    assert registry.refresh_summaries(limit=None)
    today = timezone.localdate()
    period = Period(today - timedelta(days=200), today)
    closing = list(Case.objects.exclude(state="closed").order_by("id").values_list("pk", flat=True)[:20])
    Case.objects.filter(pk__in=closing).update(state="closed", closed_at=timezone.now())  # 20 queued entries
    home = Household.objects.order_by("id").first()
    Household.objects.filter(pk=home.pk).update(toilet="none")  # one queued household
    monkeypatch.setattr(dashboard, "SUMMARY_LAZY_LIMIT", 5)
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    scope = Scope("district", District.objects.get())
    with translation.override("en"):
        figures, _children, _at = dashboard.cached(scope, period, 200, "en")
    assert scope.summaries is True and scope.stale == {"cases"}
    direct = Scope("district", scope.obj)
    assert figures.households == dashboard._household_figures(dashboard.household_totals(direct))
    cases = next(s for s in figures.extra if str(s["title"]) == "Cases")
    reported = {str(row[0]): row[1] for row in cases["rows"]}["Cases reported"]
    since, until = cases_dashboard._bounds(period.start, period.end)
    assert reported == Case.objects.filter(cell__isnull=False, created_at__range=(since, until)).count()
    assert all(s.pending() == 0 for s in registry.summaries())  # the worker's task caught up
