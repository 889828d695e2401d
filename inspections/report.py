"""The monthly or quarterly inspection report (通报) of a community: per cell, the inspections due in the period
and those done, the failed items and the rectification cases they opened (how many closed, how many overdue);
as XLSX (common.xlsx) and as PDF (reportlab, the CJK font the viewer supplies, as the dashboard's report)."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from common import pdf
from inspections.services import DUE_SQL


@dataclass
class ReportPeriod:
    key: str
    start: date
    end: date

    @classmethod
    def parse(cls, text, today=None):
        """ "2026-11" (a month) or "2026-Q4" (a quarter); empty: this month. ValueError names the format."""
        today = today or timezone.localdate()
        text = (text or "").strip() or f"{today:%Y-%m}"
        m = re.fullmatch(r"(\d{4})-(?:(\d{2})|[Qq]([1-4]))", text)
        if not m or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
            raise ValueError(_("The period is a month (2026-11) or a quarter (2026-Q4)."))
        year = int(m.group(1))
        first = int(m.group(2)) if m.group(2) else (int(m.group(3)) - 1) * 3 + 1
        months = 1 if m.group(2) else 3
        last_month = first + months - 1
        following = date(year + (last_month == 12), last_month % 12 + 1, 1)
        return cls(text.upper(), date(year, first, 1), following - timedelta(days=1))


FIGURES_SQL = (
    DUE_SQL
    + """
, per_cell AS (
    SELECT cell_id, count(*) AS due, count(*) FILTER (WHERE done) AS done
    FROM due WHERE due_on BETWEEN %(from)s AND %(to)s GROUP BY cell_id
), failures AS (
    SELECT i.cell_id,
           count(r.id) FILTER (WHERE NOT r.passed) AS failed,
           count(DISTINCT r.case_id) AS cases,
           count(DISTINCT r.case_id) FILTER (WHERE c.state = 'closed') AS closed,
           count(DISTINCT r.case_id) FILTER (WHERE c.state <> 'closed' AND c.deadline_at < now()) AS overdue
    FROM inspections_inspection i
    JOIN inspections_checklist l ON l.id = i.checklist_id
    JOIN inspections_itemresult r ON r.inspection_id = i.id
    LEFT JOIN cases_case c ON c.id = r.case_id
    WHERE i.cell_id = ANY(%(cells)s)
      AND (i.period_start + ('1 ' || l.period)::interval - interval '1 day')::date BETWEEN %(from)s AND %(to)s
    GROUP BY i.cell_id
)
SELECT g.code, g.name, COALESCE(p.due, 0), COALESCE(p.done, 0), COALESCE(f.failed, 0), COALESCE(f.cases, 0),
       COALESCE(f.closed, 0), COALESCE(f.overdue, 0)
FROM grids_gridcell g
LEFT JOIN per_cell p ON p.cell_id = g.id
LEFT JOIN failures f ON f.cell_id = g.id
WHERE g.id = ANY(%(cells)s)
ORDER BY g.code
"""
)


def figures(community, period):
    """[{code, name, due, done, rate, failed, cases, closed, overdue}] per cell of the community, one query."""
    cells = list(community.cells.values_list("pk", flat=True))
    params = {
        "from": period.start,
        "to": period.end,
        "cells": cells,
    }
    with connection.cursor() as cur:
        cur.execute(FIGURES_SQL, params)
        rows = cur.fetchall()
    keys = ("code", "name", "due", "done", "failed", "cases", "closed", "overdue")
    out = []
    for row in rows:
        r = dict(zip(keys, row, strict=True))
        r["rate"] = round(100.0 * r["done"] / r["due"], 1) if r["due"] else None
        out.append(r)
    return out


def totals(rows):
    t = {k: sum(r[k] for r in rows) for k in ("due", "done", "failed", "cases", "closed", "overdue")}
    t["rate"] = round(100.0 * t["done"] / t["due"], 1) if t["due"] else None
    return t


def headers():
    return [
        _("Cell"),
        _("Name"),
        pgettext("inspections", "Due"),
        _("Done"),
        _("Completion (%)"),
        _("Failed items"),
        _("Rectification cases"),
        _("Closed"),
        _("Overdue"),
    ]


def table(rows):
    t = totals(rows)
    data = [
        [r["code"], r["name"], r["due"], r["done"], "–" if r["rate"] is None else r["rate"]]
        + [r["failed"], r["cases"], r["closed"], r["overdue"]]
        for r in rows
    ]
    data.append(
        [_("Total"), "", t["due"], t["done"], "–" if t["rate"] is None else t["rate"]]
        + [t["failed"], t["cases"], t["closed"], t["overdue"]]
    )
    return data


def title(community, period):
    return _("Inspection report (通报) · %(community)s · %(period)s") % {
        "community": community.name,
        "period": period.key,
    }


def as_xlsx(community, period, rows):
    from common import xlsx

    wb, ws = xlsx.workbook(pgettext("inspections", "Inspections"))
    ws.append([title(community, period)])
    ws.append([_("Period %(start)s – %(end)s") % {"start": period.start, "end": period.end}])
    xlsx.header(ws, headers())
    for row in table(rows):
        ws.append(row)
    return xlsx.download(wb, f"inspections-{community.pk}-{period.key}.xlsx")


def as_pdf(community, period, rows):
    doc = pdf.Report(title(community, period), title_size=14, table_size=8, margin_mm=12)
    doc.title(title(community, period))
    doc.text(_("Period %(start)s – %(end)s") % {"start": period.start, "end": period.end})
    doc.space(4)
    doc.table([headers()] + table(rows))
    from django.http import HttpResponse

    response = HttpResponse(doc.pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="inspections-{community.pk}-{period.key}.pdf"'
    return response
