"""集中整治: findings recorded during a campaign become its cases; cases found and closed per cell and week (one SQL
query, weeks by local time); the weekly progress report as a workbook and as a PDF."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Category, State
from cases.tests.factories import dispatcher, in_english, jpeg
from cocreate import campaigns
from cocreate.models import Campaign, Finding
from cocreate.tests.factories import scene as make_scene
from grids.tests.factories import point

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


@pytest.fixture
def scene(django_user_model):
    s = make_scene(django_user_model)
    today = timezone.localdate()
    c = Campaign.objects.create(
        community=s["community"],
        name="环境整治月",
        start=today - timedelta(days=13),
        end=today + timedelta(days=14),
        checklist=["五清: 清垃圾", "三乱: 乱堆乱放"],
    )
    c.cells.set([s["west"], s["east"]])
    c.categories.set(Category.objects.filter(code="0101"))
    s["campaign"] = c
    return s


def record(s, x=100, y=100, user=None, **kw):
    return campaigns.record_finding(
        s["campaign"],
        user or s["worker"],
        category=Category.objects.get(code="0101"),
        description="暴露垃圾",
        location=point(x, y),
        checklist_item=kw.pop("checklist_item", "五清: 清垃圾"),
        photos=kw.pop("photos", ()),
    )


def test_a_finding_becomes_a_case_of_the_campaign(scene):
    f = record(scene, photos=[jpeg()])
    assert f.case.cell == scene["west"] and f.case.reporter == scene["worker"] and f.case.photos.count() == 1
    assert f.case.source == "campaign" and list(scene["campaign"].findings.all()) == [f]


def test_findings_outside_the_zone_the_period_or_the_checklist_are_refused(scene, django_user_model):
    with pytest.raises(ValidationError, match="outside the campaign's zone"):
        record(scene, x=5000, y=5000)
    with pytest.raises(ValidationError):
        record(scene, checklist_item="不在清单里")
    with pytest.raises(PermissionDenied):
        record(scene, user=dispatcher(django_user_model))  # reads cases, records no findings
    Campaign.objects.filter(pk=scene["campaign"].pk).update(end=timezone.localdate() - timedelta(days=1))
    scene["campaign"].refresh_from_db()
    with pytest.raises(ValidationError, match="findings are recorded during it"):
        record(scene)
    assert not Finding.objects.exists() and not Case.objects.exists()


def test_a_worker_records_and_reads_findings_in_their_own_cells_only(client, scene):
    with pytest.raises(PermissionDenied):
        record(scene, x=700)  # the east cell of the campaign is not the worker's
    assert not Finding.objects.exists() and not Case.objects.exists()
    mine, theirs = record(scene, x=100), record(scene, x=700, user=scene["manager"])
    client.force_login(scene["worker"])
    page = client.get(reverse("cocreate:campaign", args=[scene["campaign"].pk]))
    shown = [f.pk for f in page.context["findings"]]
    assert shown == [mine.pk] and theirs.pk not in shown
    client.force_login(scene["manager"])
    page = client.get(reverse("cocreate:campaign", args=[scene["campaign"].pk]))
    assert {f.pk for f in page.context["findings"]} == {mine.pk, theirs.pk}


def test_cases_found_and_closed_per_cell_and_week(scene):
    now = timezone.now()
    rows = []
    for x, days_ago, closed in ((100, 0, False), (200, 0, True), (700, 0, False), (300, 8, True)):
        f = record(scene, x=x, user=scene["manager"] if x > 500 else None)
        Case.objects.filter(pk=f.case_id).update(
            created_at=now - timedelta(days=days_ago), state=State.CLOSED if closed else State.REPORTED
        )
        rows.append(f)
    figures = campaigns.weekly_figures(scene["campaign"])
    this_week = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    last_week = timezone.localtime(now - timedelta(days=8)).date()
    last_week -= timedelta(days=last_week.weekday())
    got = {(code, week): (found, closed) for _id, code, week, found, closed in figures if found}
    assert got == {
        (scene["west"].code, this_week): (2, 1),
        (scene["east"].code, this_week): (1, 0),
        (scene["west"].code, last_week): (1, 1),
    }
    # every cell appears for every week of the period, with zeros where nothing was found
    weeks = {w for _id, _c, w, _f, _cl in figures}
    assert len(figures) == 2 * len(weeks) and len(weeks) >= 4


def test_the_weekly_report_is_a_workbook_with_the_figures(client, scene):
    record(scene)
    client.force_login(scene["manager"])
    resp = client.get(reverse("cocreate:campaign", args=[scene["campaign"].pk]) + "?format=xlsx")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(resp.content))
    cells = [row for row in wb.worksheets[0].iter_rows(min_row=3, values_only=True) if row[2]]
    assert cells == [(scene["west"].code, cells[0][1], 1, 0)]
    by_week = [row for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True) if row[1]]
    assert by_week == [(cells[0][1], 1, 0, 0)]
    page = client.get(reverse("cocreate:campaign", args=[scene["campaign"].pk])).content.decode()
    assert "环境整治月" in page and 'id="record-finding"' in page


def test_the_campaign_page_shows_each_finding_before_and_after(client, scene):
    from cases.models import CaseEvent
    from cases.photos import keep_for_processing, process_pending

    f = record(scene, photos=[jpeg()])
    event = CaseEvent.objects.create(case=f.case, action="handle", from_state="in_progress", to_state="handled")
    [after] = keep_for_processing(f.case, event, [jpeg()])
    process_pending(older_than_s=0)  # the worker re-encodes the photos; a pending one is not shown
    before = f.case.photos.exclude(pk=after.pk).get()
    client.force_login(scene["manager"])
    page = client.get(reverse("cocreate:campaign", args=[scene["campaign"].pk])).content.decode()
    b, a = reverse("cases:photo", args=[before.pk]), reverse("cases:photo", args=[after.pk])
    assert b in page and a in page and page.index(b) < page.index("before") < page.index(a) < page.index("after")
    assert 'id="needs-data"' in page


def pdf_lines(data):
    """The text lines of a reportlab PDF written in the CJK font (UCS-2 strings in the page streams)."""
    import base64
    import re
    import zlib

    lines = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        content = zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
        for literal in re.findall(rb"\(((?:[^\\()]|\\.)*)\) Tj", content, re.S):
            raw = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1).isdigit() else m.group(1),
                literal,
            )
            lines.append(raw.decode("utf-16-be") if len(raw) % 2 == 0 else raw.decode("latin-1"))
    return lines


def test_the_weekly_report_is_also_a_pdf_with_the_figures(client, scene):
    record(scene)
    record(scene, x=200)
    client.force_login(scene["manager"])
    url = reverse("cocreate:campaign", args=[scene["campaign"].pk])
    resp = client.get(url + "?format=pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf" and resp.content.startswith(b"%PDF")
    assert "attachment" in resp["Content-Disposition"]
    text = pdf_lines(resp.content)
    assert any("环境整治月" in line for line in text)
    this_week = (timezone.localdate() - timedelta(days=timezone.localdate().weekday())).isoformat()
    # The week's totals (2 found, none closed) and the west cell's row of that week.
    i = text.index(this_week)
    assert text[i + 1 : i + 3] == ["2", "0"]
    j = text.index(scene["west"].code)
    assert text[j + 1 : j + 4] == [this_week, "2", "0"]
    assert 'id="weekly-report-pdf"' in client.get(url).content.decode()
    client.force_login(scene["resident"])
    assert client.get(url + "?format=pdf").status_code == 404
