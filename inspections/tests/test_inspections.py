"""Inspections: what is due computed in SQL over the schedule's periods (local dates in Asia/Shanghai, at the
boundaries: a month's last day, a week across a month boundary, an inspection made just after local midnight),
recorded once per client id, a failed item opening a rectification case through the case intake, a worker only in
the cells they hold, completion per cell and week, and the report as XLSX and PDF."""

import io
import json
import uuid
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Membership, Role
from assets.models import Asset, AssetType
from cases.models import Case, Category
from cases.tests.factories import in_english, jpeg, place
from field import inbox
from grids.tests.factories import make_cells, make_community, point
from inspections import report, services
from inspections.models import Checklist, ChecklistItem, Inspection, ItemResult

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


def local(y, m, d, hh=10, mm=0):
    return timezone.make_aware(datetime(y, m, d, hh, mm))  # the current time zone: Asia/Shanghai


@pytest.fixture
def scene(django_user_model):
    community, west, east, worker = place(django_user_model)
    call_command("loaddata", "asset_types", verbosity=0)
    manager = django_user_model.objects.create_user("mgr", password="x-long-password-1")
    Membership.objects.create(user=manager, role=Role.MANAGER, community=community)
    weekly = Checklist.objects.create(
        name="消防通道", community=community, target="cells", period="week", start=date(2026, 1, 1)
    )
    weekly.cells.set([west, east])
    ChecklistItem.objects.create(
        checklist=weekly, order=1, text="消防通道畅通", category=Category.objects.get(code="0102")
    )
    toilets = Checklist.objects.create(
        name="公厕保洁",
        community=community,
        target="asset_type",
        asset_type=AssetType.objects.get(family__code="03", code="04"),
        period="month",
        start=date(2026, 1, 1),
    )
    for order, (text, code) in enumerate([("地面无积水", "0103"), ("无异味", "0103"), ("设施完好", "0601")], 1):
        ChecklistItem.objects.create(
            checklist=toilets, order=order, text=text, category=Category.objects.get(code=code)
        )
    toilet = Asset.objects.create(type=toilets.asset_type, name="西公厕", geom=point(200, 300))
    toilet.refresh_from_db()
    return {
        "community": community,
        "west": west,
        "east": east,
        "worker": worker,
        "manager": manager,
        "weekly": weekly,
        "toilets": toilets,
        "toilet": toilet,
    }


def answers(checklist, failed=()):
    return {i.pk: (i.text not in failed, "脏" if i.text in failed else "") for i in checklist.items.all()}


def test_due_on_a_month_s_last_day_and_a_week_across_a_month_boundary(scene):
    west, toilet = scene["west"], scene["toilet"]
    # 30 September 2026 (a Wednesday) is the last day of the month: the monthly checklist is due that day, the
    # weekly one on Sunday 4 October (its week runs from Monday 28 September into October).
    rows = services.due_rows([west.pk], date(2026, 9, 30), date(2026, 9, 30))
    got = {(r.checklist_id, r.asset_id): (r.period_start, r.due_on) for r in rows}
    assert got == {
        (scene["toilets"].pk, toilet.pk): (date(2026, 9, 1), date(2026, 9, 30)),
        (scene["weekly"].pk, None): (date(2026, 9, 28), date(2026, 10, 4)),
    }
    # Five minutes after local midnight on 1 October (16:05 UTC on 30 September): October's and this week's.
    at = local(2026, 10, 1, 0, 5)
    services.record(scene["worker"], uuid.uuid4(), scene["weekly"], west, answers(scene["weekly"]), at=at)
    services.record(
        scene["worker"], uuid.uuid4(), scene["toilets"], west, answers(scene["toilets"]), asset=toilet, at=at
    )
    assert set(Inspection.objects.values_list("period_start", flat=True)) == {date(2026, 9, 28), date(2026, 10, 1)}
    # September's toilet inspection is still missing on its last day; the week is done.
    rows = services.due_rows([west.pk], date(2026, 9, 30), date(2026, 9, 30))
    assert [(r.checklist_id, r.due_on) for r in rows] == [(scene["toilets"].pk, date(2026, 9, 30))]
    # On 1 October and on Sunday 4 October nothing is due in the west cell; Monday 5 October starts a new week.
    assert services.due_rows([west.pk], date(2026, 10, 1), date(2026, 10, 4)) == []
    assert [r.due_on for r in services.due_rows([west.pk], date(2026, 10, 5), date(2026, 10, 5))] == [
        date(2026, 10, 11)
    ]
    # The east cell has no toilet: only its weeks.
    east = services.due_rows([scene["east"].pk], date(2026, 9, 30), date(2026, 10, 1))
    assert [(r.checklist_id, r.period_start) for r in east] == [(scene["weekly"].pk, date(2026, 9, 28))]


def test_a_checklist_is_not_due_before_its_start_nor_after_its_end(scene):
    weekly = scene["weekly"]
    Checklist.objects.filter(pk=weekly.pk).update(start=date(2026, 10, 7), end=date(2026, 10, 31))
    days = [r.period_start for r in services.due_rows([scene["east"].pk], date(2026, 9, 1), date(2026, 11, 30))]
    # The week of 5 October holds its first day; the week of 26 October its last.
    assert days == [date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26)]


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/field/")
    return client, client.cookies["csrftoken"].value


def send(client, token, cid, checklist, cell, asset=None, failed=(), over=None, **extra):
    data = {
        "client_id": str(cid),
        "checklist": checklist.pk,
        "cell": cell.pk,
        "answers": json.dumps(
            [{"item": i.pk, "passed": i.text not in failed, "note": ""} for i in checklist.items.all()]
        ),
        **extra,
    }
    if asset is not None:
        data["asset"] = asset.pk
    data.update(over or {})
    return client.post("/inspections/api/results/", data, HTTP_X_CSRFTOKEN=token)


def test_a_result_sent_twice_is_one_inspection_and_a_failed_item_opens_one_rectification_case(scene):
    client, token = csrf_client(scene["worker"])
    cid = uuid.uuid4()
    args = (client, token, cid, scene["toilets"], scene["west"], scene["toilet"])
    first = send(*args, failed=("地面无积水", "设施完好"), photos=[jpeg()])
    assert first.status_code == 201, first.content
    again = send(*args, failed=("地面无积水", "设施完好"), photos=[jpeg()])
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and not again.json()["created"]
    inspection = Inspection.objects.get()
    assert inspection.photos.count() == 1 and inspection.failed == 2
    cases = Case.objects.order_by("category__code")
    assert [c.category.code for c in cases] == ["0103", "0601"]
    for case in cases:
        assert case.source == "inspection" and case.cell == scene["west"] and case.reporter == scene["worker"]
        assert "限期整改" in case.description and case.photos.count() == 1
    # The facility-damage category is a component one: its case names the toilet.
    assert cases[1].asset == scene["toilet"] and cases[0].asset is None
    assert sorted(first.json()["cases"]) == sorted(c.number for c in cases)
    assert ItemResult.objects.filter(passed=True, case__isnull=True).count() == 1
    # The worker's inbox no longer lists this month's toilet inspection.
    kinds = [(r["kind"], r["checklist"]) for r in inbox.source_rows(scene["worker"])]
    assert ("inspection", scene["toilets"].pk) not in kinds and ("inspection", scene["weekly"].pk) in kinds


def test_a_worker_inspects_only_in_the_cells_they_hold_today(scene):
    client, token = csrf_client(scene["worker"])
    refused = send(client, token, uuid.uuid4(), scene["weekly"], scene["east"], failed=("消防通道畅通",))
    assert refused.status_code == 403
    assert not Inspection.objects.exists() and not Case.objects.exists()
    with pytest.raises(PermissionDenied):
        services.record(scene["manager"], uuid.uuid4(), scene["weekly"], scene["west"], answers(scene["weekly"]))


@pytest.mark.parametrize(
    "change,field",
    [
        ({"answers": "[]"}, "answers"),
        ({"answers": "not json"}, "answers"),
        ({"answers": '[{"item": 1, "passed": "yes"}]'}, "answers"),
        ({"client_id": "nope"}, "client_id"),
        ({"checklist": "987654"}, "checklist"),
        ({"lon": "114.3"}, "lon"),
    ],
)
def test_bad_results_are_400_naming_the_field_and_keep_nothing(scene, change, field):
    client, token = csrf_client(scene["worker"])
    resp = send(client, token, uuid.uuid4(), scene["weekly"], scene["west"], failed=("消防通道畅通",), over=change)
    assert resp.status_code == 400 and field in resp.json(), resp.content
    assert not Inspection.objects.exists() and not Case.objects.exists()


def test_a_facility_checklist_needs_its_facility_and_an_id_of_another_user_is_refused(scene, django_user_model):
    client, token = csrf_client(scene["worker"])
    resp = send(client, token, uuid.uuid4(), scene["toilets"], scene["west"])
    assert resp.status_code == 400 and "asset" in resp.json()
    cid = uuid.uuid4()
    assert send(client, token, cid, scene["weekly"], scene["west"]).status_code == 201
    other = django_user_model.objects.create_user("gw2", password="x-long-password-1")
    from grids.models import GridAssignment

    GridAssignment.objects.create(cell=scene["west"], worker=other, start=date(2020, 1, 1))
    client2, token2 = csrf_client(other)
    assert send(client2, token2, cid, scene["weekly"], scene["west"]).status_code == 400
    assert Inspection.objects.count() == 1


def test_completion_per_cell_and_week_and_the_report(scene, client, django_user_model):
    west, east = scene["west"], scene["east"]
    at = local(2026, 9, 30, 9)
    services.record(scene["worker"], uuid.uuid4(), scene["weekly"], west, answers(scene["weekly"]), at=at)
    services.record(
        scene["worker"],
        uuid.uuid4(),
        scene["toilets"],
        west,
        answers(scene["toilets"], failed=("无异味",)),
        asset=scene["toilet"],
        at=at,
    )
    rows = services.completion([west.pk, east.pk], date(2026, 9, 28), date(2026, 10, 4))
    # Both checklists fall due in the week of 28 September (the month's last day and the week's Sunday).
    got = {(code, week): (due, done) for _id, code, week, due, done in rows}
    assert got == {(west.code, date(2026, 9, 28)): (2, 2), (east.code, date(2026, 9, 28)): (1, 0)}
    period = report.ReportPeriod.parse("2026-09")
    figures = {r["code"]: r for r in report.figures(scene["community"], period)}
    # September: 4 weeks end in it (Sundays 6, 13, 20, 27) and one month; only the month was done (the week of
    # 28 September ends in October), with one failed item and its case.
    assert (figures[west.code]["due"], figures[west.code]["done"]) == (5, 1)
    assert (figures[west.code]["failed"], figures[west.code]["cases"]) == (1, 1)
    assert (figures[east.code]["due"], figures[east.code]["done"], figures[east.code]["rate"]) == (4, 0, 0.0)
    assert report.ReportPeriod.parse("2026-q3").end == date(2026, 9, 30)

    client.force_login(scene["manager"])
    cid = scene["community"].pk
    xlsx = client.get(f"/inspections/report/{cid}/xlsx/?period=2026-09")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert [west.code, west.name or None, 5, 1, 20.0, 1, 1, 0, 0] in values
    pdf = client.get(f"/inspections/report/{cid}/pdf/?period=2026-Q3")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf["Content-Type"] == "application/pdf"
    assert client.get(f"/inspections/report/{cid}/xlsx/?period=2026-13").status_code == 400
    page = client.get(f"/inspections/?community={cid}")
    assert page.status_code == 200 and west.code in page.content.decode()
    # The latest results name the failed item and link its rectification case.
    rectification = Case.objects.get(source="inspection")
    assert "无异味" in page.content.decode() and f"/cases/{rectification.pk}/" in page.content.decode()
    # A community outside the manager's area answers 404; the worker does not reach the report either.
    other = make_community(code="002")
    make_cells(other, 1, 1)
    assert client.get(f"/inspections/report/{other.pk}/xlsx/").status_code == 404
    client.force_login(scene["worker"])
    assert client.get(f"/inspections/report/{cid}/pdf/").status_code == 404
    worker_page = client.get("/inspections/")
    assert worker_page.status_code == 200 and "消防通道" in worker_page.content.decode()


def test_the_field_badge_counts_the_inspections_due(scene):
    worker = scene["worker"]
    inbox.forget_badge(worker)
    due = [r for r in inbox.source_rows(worker) if r["kind"] == "inspection"]
    assert len(due) >= 2  # this week's fire lanes of the worker's cell and this month's toilet
    assert inbox.badge_count(worker) == len(due)
    services.record(
        worker, uuid.uuid4(), scene["toilets"], scene["west"], answers(scene["toilets"]), asset=scene["toilet"]
    )
    inbox.forget_badge(worker)
    assert inbox.badge_count(worker) == len(due) - 1


def test_a_worker_sees_the_completion_of_their_own_cells_only(scene, client):
    west, east, cid = scene["west"], scene["east"], scene["community"].pk
    client.force_login(scene["manager"])
    page = client.get(f"/inspections/?community={cid}").content.decode()
    assert f"<td>{west.code}</td>" in page and f"<td>{east.code}</td>" in page
    client.force_login(scene["worker"])  # holds the west cell only
    page = client.get(f"/inspections/?community={cid}").content.decode()
    assert f"<td>{west.code}</td>" in page and f"<td>{east.code}</td>" not in page
