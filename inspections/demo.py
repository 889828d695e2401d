"""Demo inspections for the demo city (seeded, loaded once): in the community of the first community manager, a
weekly fire-lane checklist over the cells its workers hold, a monthly checklist of the garbage collection points
(垃圾收集点) and one of the public toilets (公厕) where the community has some, and a week of results filled by the
cells' workers, some items failed (each failed item opens its rectification case through the case intake; those
cases are reported when the demo is loaded).

Every time lies in the past (at the latest: now), whatever the hour of the local day the demo is loaded at."""

import random
import uuid
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_community
from assets.models import AssetType
from cases.models import Category
from grids.models import GridAssignment
from inspections import services
from inspections.models import Checklist, ChecklistItem, Inspection

FIRE_LANES = "消防通道检查"
CHECKLISTS = [
    # (name, asset type "family type" or None for cells, period, [(item, category of the rectification case)])
    (
        FIRE_LANES,
        None,
        "week",
        [("消防通道畅通，无车辆占用", "0402"), ("楼道无杂物堆放", "0102"), ("无飞线充电", "0403")],
    ),
    (
        "垃圾收集点检查",
        ("03", "02"),
        "month",
        [("垃圾不满溢、无散落", "0101"), ("周边无卫生死角", "0103"), ("设施完好", "0601")],
    ),
    ("公厕保洁检查", ("03", "04"), "month", [("地面干净无积水", "0103"), ("无明显异味", "0103"), ("设施完好", "0601")]),
]
NAMESPACE = uuid.UUID("5d7f3c2e-8a41-4c59-9f1e-2b6f0e7a9c11")


def _at(now, days, hour):
    day = timezone.localtime(now).date() - timedelta(days=days)
    return min(timezone.make_aware(datetime.combine(day, time(hour, 0))), now)


@transaction.atomic
def build(seed=2026, stdout=None):
    say = stdout.write if stdout else (lambda s: None)
    if Checklist.objects.filter(name=FIRE_LANES).exists():
        say("inspection demo already loaded")
        return
    community = demo_community()
    if community is None:
        say("no community: build the demo city first")
        return
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    held = {
        a.cell_id: a.worker
        for a in GridAssignment.objects.active_on(today)
        .filter(cell__community=community)
        .select_related("worker")
        .order_by("role", "start", "pk")  # helpers first, the primary worker last: theirs is kept
    }
    start = today - timedelta(days=60)
    lists = []
    for name, kind, period, items in CHECKLISTS:
        asset_type = AssetType.objects.filter(family__code=kind[0], code=kind[1]).first() if kind else None
        if kind and (asset_type is None or not community.assets.filter(type=asset_type, cell__in=list(held)).exists()):
            continue
        checklist = Checklist.objects.create(
            name=name,
            community=community,
            target="asset_type" if kind else "cells",
            asset_type=asset_type,
            period=period,
            start=start,
        )
        if not kind:
            checklist.cells.set(list(held))
        for order, (text, code) in enumerate(items, 1):
            ChecklistItem.objects.create(
                checklist=checklist, order=order, text=text, category=Category.objects.get(code=code)
            )
        lists.append(checklist)

    # A week of results: what was due over the last seven days, about four in five done, a few items failed.
    done = 0
    for row in services.due_rows(list(held), today - timedelta(days=6), today, pending_only=False):
        if rng.random() > 0.8:
            continue
        days_ago = rng.randrange(0, 7)
        at = _at(now, days_ago, rng.choice([9, 10, 14, 15, 16]))
        if services.period_start(timezone.localdate(at), _period(lists, row)) != row.period_start:
            continue  # that day lies in another period of this checklist
        checklist = next(c for c in lists if c.pk == row.checklist_id)
        answers = {i.pk: (rng.random() > 0.12, "") for i in checklist.items.all()}
        answers = {k: (ok, "" if ok else "现场发现问题，已拍照") for k, (ok, _n) in answers.items()}
        asset = community.assets.filter(pk=row.asset_id).first() if row.asset_id else None
        client_id = uuid.uuid5(NAMESPACE, f"{row.checklist_id}-{row.cell_id}-{row.asset_id}-{row.period_start}")
        _inspection, created = services.record(
            held[row.cell_id], client_id, checklist, asset.cell if asset else _cell(row), answers, asset=asset, at=at
        )
        done += created
    say(f"inspection demo: {len(lists)} checklists, {done} inspections, {Inspection.objects.count()} in all")


def _period(lists, row):
    return next(c.period for c in lists if c.pk == row.checklist_id)


def _cell(row):
    from grids.models import GridCell

    return GridCell.objects.get(pk=row.cell_id)
