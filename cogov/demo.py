"""Demo co-governance data for the demo city: rules, points, a points shop, ratings and boards (seeded)."""

import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from cogov import services
from cogov.models import BoardEntry, CatalogueItem, LedgerEntry, PointRule, Rating, Redemption, Source
from grids.models import Community, Household

RULES = [
    # code, name, source, points, monthly cap
    ("hygiene-weekly", "每周卫生检查合格", Source.HYGIENE, 5, 20),
    ("volunteer-hour", "志愿服务（每小时）", Source.VOLUNTEER, 2, 40),
    ("civility-quarter", "季度文明评议", Source.CIVILITY, 20, 20),
    ("good-deed", "好人好事（核实）", Source.GOOD_DEED, 10, 30),
    ("maintenance-log", "认领养护记录（验收）", Source.MAINTENANCE, 3, 15),
    ("rating-courtyard", "美丽庭院评定", Source.RATING, 50, None),
    ("rating-ten_star", "十星级文明户评定", Source.RATING, 80, None),
    ("manual", "其他（说明理由）", Source.MANUAL, 1, None),
]
ITEMS = [("洗衣液", 30, 40), ("食用油", 60, 20), ("大米 5kg", 80, 15), ("毛巾", 15, 60), ("垃圾袋", 5, 200)]
BLACK = ["楼道堆放杂物", "乱扔垃圾", "占用绿地种菜", "私拉电线充电"]


def _moment(day):
    """Ten in the morning of that day, or now if that is still to come (a demo loaded before ten today)."""
    return min(timezone.make_aware(datetime.combine(day, time(10, 0))), timezone.now())


@transaction.atomic
def build(seed=2026, stdout=None):
    if LedgerEntry.objects.exists():
        if stdout:
            stdout.write("co-governance demo already loaded")
        return
    rng = random.Random(seed)
    rules = {}
    for code, name, source, points, cap in RULES:
        rules[code], _ = PointRule.objects.get_or_create(
            code=code, defaults={"name": name, "source": source, "points": points, "monthly_cap": cap}
        )
    staff = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    today = timezone.localdate()
    ids = list(Household.objects.filter(community__isnull=False).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return
    chosen = sorted(rng.sample(ids, min(len(ids), 2500)))
    entries = []
    for pk in chosen:
        # Weekly hygiene checks over the last eight weeks (at most 4 a month: within the cap), volunteer hours.
        for week in range(8):
            if rng.random() < 0.45:
                day = today - timedelta(days=7 * week + rng.randrange(7))
                entries.append((pk, rules["hygiene-weekly"], 1, day))
        if rng.random() < 0.3:
            hours = rng.choice([1, 2, 3])
            entries.append((pk, rules["volunteer-hour"], hours, today - timedelta(days=rng.randrange(60))))
    # Written in bulk, so the monthly caps are applied here as grant() would: entries past a cap are left out.
    seen = {}
    rows = []
    for pk, rule, qty, day in entries:
        key = (pk, rule.pk, day.year, day.month)
        points = rule.points * qty
        if rule.monthly_cap is not None and seen.get(key, 0) + points > rule.monthly_cap:
            continue
        seen[key] = seen.get(key, 0) + points
        rows.append(
            LedgerEntry(
                household_id=pk,
                points=points,
                rule=rule,
                source=rule.source,
                quantity=qty,
                reason=rule.name,
                granted_by=staff,
                at=_moment(day),
            )
        )
    LedgerEntry.objects.bulk_create(rows, batch_size=2000)
    # The points shop: the same catalogue in every community; a few redemptions.
    for community in Community.objects.order_by("street__code", "code"):
        for name, price, stock in ITEMS:
            CatalogueItem.objects.get_or_create(
                community=community, name=name, defaults={"price": price, "stock": stock}
            )
    richest = services.with_balance(Household.objects.filter(pk__in=chosen)).filter(points_balance__gte=30)
    redeemed = []
    for h in richest.order_by("pk")[:150]:
        item = CatalogueItem.objects.filter(community_id=h.community_id, price__lte=h.points_balance, stock__gte=1)
        item = item.order_by("-price", "name").first()
        if item:
            redeemed.append(services.redeem(h, item, by=staff))
    _date_redemptions(rng, redeemed)
    # Ratings: applications in every state; awards reach the red board and earn points.
    sample = sorted(rng.sample(ids, min(len(ids), 80)))
    ratings = []
    for i, pk in enumerate(sample):
        h = Household.objects.get(pk=pk)
        kind = Rating.Kind.COURTYARD if i % 2 == 0 else Rating.Kind.TEN_STAR
        rating = services.apply_rating(h, kind, year=today.year)
        ratings.append(rating)
        if i % 4 == 3:
            continue  # waiting for the field assessment
        items = services.CHECKLISTS[kind]
        passed = {k: rng.random() < 0.9 for k in items}
        rating = services.assess(rating, by=staff, checklist=passed)
        if i % 4 == 2:
            continue  # assessed, waiting for the decision
        services.decide(rating, by=staff, award=rating.score >= 80)
    _date_ratings(rng, ratings)
    # Black board: a few households per community, shown by door plate.
    for community in Community.objects.order_by("street__code", "code"):
        members = list(Household.objects.filter(community=community).order_by("pk").values_list("pk", flat=True)[:400])
        for pk in rng.sample(members, min(len(members), 3)):
            BoardEntry.objects.create(
                community=community,
                board=BoardEntry.Board.BLACK,
                household_id=pk,
                reason=rng.choice(BLACK),
                published=today - timedelta(days=rng.randrange(20)),
            )
    if stdout:
        stdout.write(f"co-governance demo: {len(rows)} points entries, {len(sample)} ratings")


# The services stamp what they record with the clock time. A demo loaded in one go would show every redemption,
# application, assessment and award at the moment it was loaded (and the dashboard's previous period empty), so the
# steps are dated afterwards, in their order, one UPDATE per table.


def _update(table, columns, rows):
    """UPDATE table SET each column from rows [(id, value, …)] in one statement; columns: [(name, SQL type)]."""
    if not rows:
        return
    sets = ", ".join(f"{name} = v.{name}" for name, _type in columns)
    arrays = ", ".join(f"%s::{sql_type}[]" for _name, sql_type in columns)
    names = ", ".join(name for name, _type in columns)
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} AS t SET {sets} FROM unnest(%s::bigint[], {arrays}) AS v(id, {names}) WHERE t.id = v.id",
            [[r[0] for r in rows], *([r[k + 1] for r in rows] for k in range(len(columns)))],
        )


def _date_redemptions(rng, redemptions):
    """Each redemption (and its ledger line) a few days after the household's latest earning, before today."""
    now = timezone.now()
    last = dict(
        LedgerEntry.objects.filter(household__in=[r.household_id for r in redemptions], points__gt=0)
        .exclude(source=Source.REDEMPTION)
        .values("household")
        .annotate(at=models.Max("at"))
        .values_list("household", "at")
    )
    rows, entries = [], []
    for r in redemptions:
        at = min(last[r.household_id] + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 6)), now)
        rows.append((r.pk, at))
        entries.append((r.entry_id, at))
    _update(Redemption._meta.db_table, [("at", "timestamptz")], rows)
    _update(LedgerEntry._meta.db_table, [("at", "timestamptz")], entries)


def _date_ratings(rng, ratings):
    """Applications over this year; the field assessment one to three weeks later, the decision within ten days
    after it, never after today; an award's points and red-board line on the day of the decision."""
    now = timezone.now()
    year_start = _moment(timezone.localdate().replace(month=1, day=1))
    days = max(1, (now - year_start).days - 30)
    applied, assessed, decided, entries, boards = [], [], [], [], []
    ratings = Rating.objects.filter(pk__in=[r.pk for r in ratings]).order_by("pk")
    for r in ratings:
        t0 = min(year_start + timedelta(days=rng.randrange(days), hours=rng.randint(0, 7)), now - timedelta(hours=3))
        t1 = min(t0 + timedelta(days=rng.randint(7, 21), hours=rng.randint(0, 5)), now - timedelta(hours=2))
        t2 = min(t1 + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 5)), now - timedelta(hours=1))
        last = t2 if r.decided_at else t1 if r.assessed_at else t0
        applied.append((r.pk, t0, last))
        if r.assessed_at:
            assessed.append((r.pk, t1))
        if r.decided_at:
            decided.append((r.pk, t2))
            if r.status == Rating.Status.AWARDED:
                boards.append((r.pk, t2))
    _update(Rating._meta.db_table, [("created_at", "timestamptz"), ("updated_at", "timestamptz")], applied)
    _update(Rating._meta.db_table, [("assessed_at", "timestamptz")], assessed)
    _update(Rating._meta.db_table, [("decided_at", "timestamptz")], decided)
    when = dict(boards)
    rating_type = ContentType.objects.get_for_model(Rating)
    for e in LedgerEntry.objects.filter(source_type=rating_type, source_id__in=[str(k) for k in when]):
        entries.append((e.pk, when[int(e.source_id)]))
    _update(LedgerEntry._meta.db_table, [("at", "timestamptz")], entries)
    lines = [
        (b.pk, when[b.rating_id], when[b.rating_id], timezone.localtime(when[b.rating_id]).date())
        for b in BoardEntry.objects.filter(rating_id__in=list(when))
    ]
    _update(
        BoardEntry._meta.db_table,
        [("created_at", "timestamptz"), ("updated_at", "timestamptz"), ("published", "date")],
        lines,
    )
