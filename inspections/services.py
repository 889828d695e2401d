"""What is due (in SQL, over the schedule's periods), recording a filled checklist (once per client id; a failed
item opens a rectification case through the case intake), completion per cell and week, and the report (通报)."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from inspections.models import Checklist, Inspection, InspectionPhoto, ItemResult, period_start

# The periods of every active checklist over [from, to] for each of its targets (the cells it names, or the
# facilities of its type in its community, in their cells), and whether an inspection answers the period.
# Dates are local dates (Asia/Shanghai): the periods are truncated as timestamps without a time zone, so the
# session's time zone plays no part.
DUE_SQL = """
WITH lists AS (
    SELECT id, period, start, "end", target, asset_type_id, community_id
    FROM inspections_checklist
    WHERE active AND start <= %(to)s AND ("end" IS NULL OR "end" >= %(from)s)
), targets AS (
    SELECT l.id AS checklist_id, cc.gridcell_id AS cell_id, NULL::bigint AS asset_id
    FROM lists l JOIN inspections_checklist_cells cc ON cc.checklist_id = l.id
    WHERE l.target = 'cells'
    UNION ALL
    SELECT l.id, a.cell_id, a.id
    FROM lists l JOIN assets_asset a ON a.type_id = l.asset_type_id AND a.community_id = l.community_id
    WHERE l.target = 'asset_type' AND a.cell_id IS NOT NULL
), periods AS (
    SELECT l.id AS checklist_id, p::date AS period_start,
           (p + ('1 ' || l.period)::interval - interval '1 day')::date AS due_on
    FROM lists l,
         generate_series(
             date_trunc(l.period, GREATEST(l.start, %(from)s::date)::timestamp),
             date_trunc(l.period, LEAST(COALESCE(l."end", %(to)s::date), %(to)s::date)::timestamp),
             ('1 ' || l.period)::interval
         ) AS p
), due AS (
    SELECT t.checklist_id, t.cell_id, t.asset_id, p.period_start, p.due_on,
           EXISTS (
               SELECT 1 FROM inspections_inspection i
               WHERE i.checklist_id = t.checklist_id AND i.cell_id = t.cell_id
                 AND i.asset_id IS NOT DISTINCT FROM t.asset_id AND i.period_start = p.period_start
           ) AS done
    FROM targets t JOIN periods p ON p.checklist_id = t.checklist_id
    WHERE t.cell_id = ANY(%(cells)s)
)
"""


@dataclass
class Due:
    checklist_id: int
    cell_id: int
    asset_id: int | None
    period_start: object
    due_on: object
    done: bool


def due_rows(cells, day_from, day_to, pending_only=True):
    """The inspections due for periods overlapping [day_from, day_to] (local dates) in `cells`, those not done yet
    unless pending_only is False; nearest due date first."""
    sql = DUE_SQL + "SELECT checklist_id, cell_id, asset_id, period_start, due_on, done FROM due"
    if pending_only:
        sql += " WHERE NOT done"
    sql += " ORDER BY due_on, checklist_id, cell_id, asset_id"
    with connection.cursor() as cur:
        cur.execute(sql, {"from": day_from, "to": day_to, "cells": [int(c) for c in cells]})
        return [Due(*row) for row in cur.fetchall()]


def completion(cells, day_from, day_to):
    """Completion per cell and week (of the due date), in one grouped query: [(cell id, cell code, week's Monday,
    due, done)]."""
    sql = (
        DUE_SQL
        + """
SELECT d.cell_id, c.code, date_trunc('week', d.due_on::timestamp)::date AS week,
       count(*) AS due, count(*) FILTER (WHERE d.done) AS done
FROM due d JOIN grids_gridcell c ON c.id = d.cell_id
WHERE d.due_on BETWEEN %(from)s AND %(to)s
GROUP BY d.cell_id, c.code, week
ORDER BY c.code, week
"""
    )
    with connection.cursor() as cur:
        cur.execute(sql, {"from": day_from, "to": day_to, "cells": [int(c) for c in cells]})
        return cur.fetchall()


def due_for(user, day=None):
    """What the user has to inspect in the cells they hold today, for the periods holding `day`."""
    day = day or timezone.localdate()
    cells = list(policy.worker_cells(user))
    if not cells:
        return []
    return due_rows(cells, day, day)


def describe(rows):
    """The due rows with their checklist, cell and facility names (four queries, whatever the number of rows)."""
    from django.urls import reverse

    from assets.models import Asset
    from grids.models import GridCell
    from inspections.models import ChecklistItem

    lists = Checklist.objects.in_bulk({r.checklist_id for r in rows})
    items = {}
    for item in ChecklistItem.objects.filter(checklist__in=list(lists)).order_by("order", "pk"):
        items.setdefault(item.checklist_id, []).append({"id": item.pk, "text": item.text})
    url = reverse("inspections:api-result")
    cells = GridCell.objects.in_bulk({r.cell_id for r in rows})
    assets = Asset.objects.in_bulk({r.asset_id for r in rows if r.asset_id})
    today = timezone.localdate()
    out = []
    for r in rows:
        asset = assets.get(r.asset_id)
        place = asset.anchor if asset else cells[r.cell_id].boundary.point_on_surface
        out.append(
            {
                "kind": "inspection",
                "checklist": r.checklist_id,
                "name": lists[r.checklist_id].name,
                "period": lists[r.checklist_id].get_period_display(),
                "cell_id": r.cell_id,
                "cell": cells[r.cell_id].code,
                "asset": r.asset_id,
                "asset_name": asset.name if asset else "",
                "period_start": r.period_start.isoformat(),
                "due_on": r.due_on.isoformat(),
                "days_left": (r.due_on - today).days,
                "lon": round(place.x, 6),
                "lat": round(place.y, 6),
                "done": r.done,
                "items": items.get(r.checklist_id, []),
                "url": url,
            }
        )
    return out


def due_count(user):
    """How many inspections the user has due today (the field badge: two queries, no rows described)."""
    return len(due_for(user))


def inbox_rows(user, now=None):
    """The field inbox's rows of this kind (field.inbox's source registry): what is due, nearest due date first."""
    day = timezone.localdate(now) if now else None
    return describe(due_for(user, day))


# --- recording --------------------------------------------------------------------------------------------------
def record(user, client_id, checklist, cell, answers, *, asset=None, location=None, note="", photos=(), at=None):
    """Record a filled checklist once: `answers` maps each item's id to (passed, note). The same client id answers
    the inspection it made (created False). Returns (inspection, created).

    A worker inspects only in the cells they hold today. A failed item opens a rectification case (限期整改)
    through cases.services.submit, in the same transaction, placed and checked by the access policy."""
    existing = _replayed(user, client_id)
    if existing is not None:
        return existing, False
    if not policy.worker_cells(user).filter(cell=cell.pk).exists():
        raise PermissionDenied(_("You inspect only in the cells you hold today."))
    at = at or timezone.now()
    errors = _check(checklist, cell, asset, answers, at)
    from cases.photos import check_photos, keep

    try:
        images = check_photos(photos)  # from their headers; the worker re-encodes them (cases/photos.py)
    except ValidationError as exc:
        errors["photos"] = exc.messages
    if errors:
        raise ValidationError(errors)
    where = location or (asset.anchor if asset else cell.boundary.point_on_surface)
    try:
        with transaction.atomic():
            inspection = Inspection(
                client_id=client_id,
                checklist=checklist,
                cell=cell,
                asset=asset,
                period_start=period_start(timezone.localdate(at), checklist.period),
                inspector=user,
                inspected_at=at,
                location=location,
                note=(note or "").strip(),
            )
            policy.save_checked(user, "add", lambda: (inspection.save(), inspection)[1])
            keep(InspectionPhoto, images, inspection=inspection)
            for item in checklist.items.select_related("category"):
                passed, item_note = answers[item.pk]
                result = ItemResult(inspection=inspection, item=item, passed=passed, note=(item_note or "")[:500])
                if not passed:
                    result.case = _rectification(user, inspection, item, item_note, where, photos)
                result.save()
    except IntegrityError:
        existing = _replayed(user, client_id)
        if existing is None:
            raise
        return existing, False
    return inspection, True


def _replayed(user, client_id):
    inspection = Inspection.objects.filter(client_id=client_id).first()
    if inspection is not None and inspection.inspector_id != user.pk:
        raise ValidationError({"client_id": _("This inspection id is already in use.")}, code="client_id")
    return inspection


def _check(checklist, cell, asset, answers, at):
    errors = {}
    if not checklist.active:
        errors["checklist"] = [_("This checklist is no longer in use.")]
    if checklist.target == Checklist.Target.CELLS:
        if not checklist.cells.filter(pk=cell.pk).exists():
            errors["cell"] = [_("This checklist is not scheduled in this cell.")]
        if asset is not None:
            errors["asset"] = [_("This checklist inspects a cell, not a facility.")]
    elif asset is None or asset.type_id != checklist.asset_type_id or asset.cell_id != cell.pk:
        errors["asset"] = [_("Choose a facility of the checklist's type in this cell.")]
    if at > timezone.now() + timedelta(minutes=5):
        errors["inspected_at"] = [_("An inspection cannot be made in the future.")]
    elif timezone.localdate(at) < checklist.start or (checklist.end and timezone.localdate(at) > checklist.end):
        errors["inspected_at"] = [_("The checklist is not scheduled on this day.")]
    items = set(checklist.items.values_list("pk", flat=True))
    if not items:
        errors["answers"] = [_("This checklist has no items.")]
    elif set(answers) != items:
        errors["answers"] = [_("Answer every item of the checklist, and only those.")]
    return errors


def _rectification(user, inspection, item, item_note, where, photos):
    """The case a failed item opens: reported by the inspector at the place, of the item's category (whose deadline
    is the rectification deadline), checked against the user's area like any case they report."""
    from cases import services as case_services
    from cases.models import Case

    text = _("Rectification (限期整改): %(item)s — %(checklist)s") % {
        "item": item.text,
        "checklist": inspection.checklist.name,
    }
    if item_note:
        text = f"{text}. {item_note.strip()}"
    report = case_services.Report(
        kind=Case.Kind.PROBLEM,
        category=item.category,
        description=text[:1000],
        location=where,
        reporter=user,
        asset=inspection.asset if item.category.component else None,
        photos=photos,
        source="inspection",
    )
    try:
        return policy.save_checked(user, "add", lambda: case_services.submit(report))
    except case_services.DuplicateReport as exc:
        # Two items of the same category failed at the same place: one case covers both.
        return exc.case
