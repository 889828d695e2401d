"""集中整治: findings recorded during a campaign become its cases; figures per cell and week; the weekly report."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts import policy
from cocreate.models import Campaign, Finding
from common import pdf


def cells_from_zone(campaign):
    """A drawn zone gives the campaign the community's cells it touches (one spatial query)."""
    from grids.models import GridCell

    if campaign.zone is None:
        return
    touched = GridCell.objects.filter(community=campaign.community_id, boundary__intersects=campaign.zone)
    campaign.cells.set(touched.values_list("pk", flat=True))


def create_campaign(user, campaign, *, cells=(), categories=()):
    """A community's managers start a campaign (its zone drawn, or a set of its cells): checked by the model's
    rules and against the user's area, saved with its cells and categories in one transaction."""
    if not policy.reaches_community(user, "cocreate.add_campaign", campaign.community):
        raise PermissionDenied(policy.denied_message("add", Campaign))
    campaign.full_clean()
    foreign = [c for c in cells if c.community_id != campaign.community_id]
    if foreign:
        raise ValidationError({"cells": gettext("Choose cells of the campaign's community.")})
    with transaction.atomic():
        saved = policy.save_checked(user, "add", lambda: (campaign.save(), campaign)[1])
        cells_from_zone(saved)
        if cells:
            saved.cells.add(*cells)
        saved.categories.set(categories)
    return saved


def record_finding(campaign, user, *, category, description, location, checklist_item="", photos=()):
    """A finding of the campaign: a case through the case intake (cases.services.submit), tied to the campaign."""
    from cases import services as case_services

    if not policy.allows(user, "view", campaign) or not policy.may_somewhere(user, "add", Finding):
        raise PermissionDenied(policy.denied_message("add", Finding))
    today = timezone.localdate()
    if not campaign.start <= today <= campaign.end:
        raise ValidationError(
            gettext("The campaign runs from %(start)s to %(end)s; findings are recorded during it.")
            % {"start": campaign.start, "end": campaign.end}
        )
    if checklist_item and checklist_item not in campaign.checklist:
        raise ValidationError({"checklist_item": gettext("Not an item of the campaign's checklist.")})
    inside = campaign.cells.filter(boundary__covers=location).exists()
    if campaign.zone is not None:
        inside = inside or campaign.zone.covers(location)
    if not inside:
        raise ValidationError({"location": gettext("This place is outside the campaign's zone.")})
    with transaction.atomic():
        case = case_services.submit(
            case_services.Report(
                kind="problem",
                category=category,
                description=description,
                location=location,
                reporter=user,
                photos=photos,
                source="campaign",
            )
        )
        # The finding sits where its case does: a cell of the campaign outside the user's area is refused, and the
        # case goes with it (one transaction).
        finding = Finding(campaign=campaign, case=case, checklist_item=checklist_item, recorded_by=user)
        return policy.save_checked(user, "add", lambda: (finding.save(), finding)[1])


WEEKLY_SQL = """
WITH weeks AS (
    SELECT generate_series(date_trunc('week', %(start)s::date), date_trunc('week', %(end)s::date), '1 week')::date
        AS week
), found AS (
    SELECT c.cell_id,
           date_trunc('week', c.created_at AT TIME ZONE %(tz)s)::date AS week,
           count(*) AS found,
           count(*) FILTER (WHERE c.state = 'closed') AS closed
    FROM cocreate_finding f JOIN cases_case c ON c.id = f.case_id
    WHERE f.campaign_id = %(campaign)s
    GROUP BY 1, 2
)
SELECT g.id, g.code, w.week, COALESCE(f.found, 0), COALESCE(f.closed, 0)
FROM weeks w
CROSS JOIN (
    SELECT gc.id, gc.code FROM grids_gridcell gc
    WHERE gc.id IN (SELECT gridcell_id FROM cocreate_campaign_cells WHERE campaign_id = %(campaign)s)
       OR gc.id IN (SELECT c.cell_id FROM cocreate_finding f JOIN cases_case c ON c.id = f.case_id
                    WHERE f.campaign_id = %(campaign)s)
) g
LEFT JOIN found f ON f.cell_id = g.id AND f.week = w.week
ORDER BY g.code, w.week
"""


def weekly_figures(campaign):
    """[(cell id, cell code, monday of the week, cases found, of them closed)] for every cell of the campaign and
    every week of its period (weeks by local time), in one query."""
    with connection.cursor() as cur:
        cur.execute(
            WEEKLY_SQL,
            {
                "start": campaign.start,
                "end": campaign.end,
                "campaign": campaign.pk,
                "tz": timezone.get_current_timezone_name(),
            },
        )
        return cur.fetchall()


def weekly_report(campaign, rows):
    """The weekly progress report as a workbook: cells × weeks (found / closed) and totals per week."""
    from common import xlsx

    wb, ws = xlsx.workbook(gettext("By cell and week"))
    xlsx.header(ws, [campaign.name, f"{campaign.start} – {campaign.end}"])
    xlsx.header(ws, [gettext("Grid cell"), gettext("Week from"), gettext("Cases found"), gettext("Closed")])
    for _cell_id, code, week, found, closed in rows:
        ws.append([code, week.isoformat(), found, closed])
    totals = xlsx.sheet(wb, gettext("By week"))
    xlsx.header(totals, [gettext("Week from"), gettext("Cases found"), gettext("Closed"), gettext("Closed (%)")])
    for week, f, c, rate in weekly_totals(rows):
        totals.append([week.isoformat(), f, c, rate])
    return wb


def weekly_totals(rows):
    """[(monday, found, closed, closed %)] summed over the cells of weekly_figures' rows."""
    by_week = {}
    for _cell_id, _code, week, found, closed in rows:
        f, c = by_week.get(week, (0, 0))
        by_week[week] = (f + found, c + closed)
    return [(w, f, c, round(100 * c / f, 1) if f else None) for w, (f, c) in sorted(by_week.items())]


def weekly_pdf(campaign, rows):
    """The weekly progress report as an A4 PDF (common.pdf): the campaign, totals per week and the cells with
    findings per week."""
    doc = pdf.Report(campaign.name, title_size=15)
    doc.title(gettext("Weekly progress report: %(name)s") % {"name": campaign.name})
    doc.text(
        gettext("%(community)s, %(start)s – %(end)s")
        % {"community": campaign.community.name, "start": campaign.start, "end": campaign.end}
    )
    categories = ", ".join(str(c) for c in campaign.categories.all())
    if categories:
        doc.text(gettext("Target categories: %(list)s") % {"list": categories})
    if campaign.checklist:
        doc.text(gettext("Checklist: %(list)s") % {"list": ", ".join(campaign.checklist)})
    doc.space(4)
    data = [[gettext("Week from"), gettext("Cases found"), gettext("Closed"), gettext("Closed (%)")]]
    data += [[w.isoformat(), f, c, "–" if r is None else r] for w, f, c, r in weekly_totals(rows)]
    doc.text(gettext("By week"))
    doc.table(data)
    data = [[gettext("Grid cell"), gettext("Week from"), gettext("Cases found"), gettext("Closed")]]
    data += [[code, week.isoformat(), found, closed] for _id, code, week, found, closed in rows if found]
    doc.space(5)
    doc.text(gettext("By cell and week (cells with findings)"))
    doc.table(data)
    return doc.pdf()


def campaigns_for(user):
    return policy.scope(user, "view", Campaign.objects.all())
