"""Browser (Chromium, a 390 × 844 phone): an inspection due in the worker's cell is filled offline (one item failed)
and queued like the other items; with the network back a network error on it does not hold the items behind it
(it is tried again later, once), a refused item (4xx) leaves the queue with the server's message, and an item
queued under another account stays on the phone, shown as such, and is never sent under this session."""

import uuid
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from cases.models import Case, Category
from cases.tests.factories import load_categories
from common.testing import browser_login
from field.tests.test_offline_browser import PASSWORD, phone
from grids.models import GridAssignment
from grids.tests.factories import in_test_district, make_cells, make_community, point
from inspections.models import Checklist, ChecklistItem, Inspection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(django_user_model):
    load_categories()
    community = make_community()
    west, _east = make_cells(community, 2, 1)
    worker = django_user_model.objects.create_user("gw", first_name="小王", password=PASSWORD)
    worker.user_permissions.add(*Permission.objects.filter(codename__in=["view_case"]))
    in_test_district(worker)
    GridAssignment.objects.create(cell=west, worker=worker, start=date(2020, 1, 1))
    checklist = Checklist.objects.create(name="消防通道", community=community, period="week", start=date(2026, 1, 1))
    checklist.cells.set([west])
    for order, text in enumerate(["消防通道畅通", "无杂物堆放"], 1):
        ChecklistItem.objects.create(
            checklist=checklist, order=order, text=text, category=Category.objects.get(code="0102")
        )
    return {"west": west, "worker": worker, "checklist": checklist}


QUEUE_PUT = """([item]) => idb.openDB("gridwork-field", 1).then((db) => db.put("queue", item))"""


def test_an_offline_inspection_a_failing_item_a_refused_one_and_another_account_s(live_server, browser, scene):
    context = phone(browser, point(120, 300))
    page = context.new_page()
    browser_login(page, live_server.url, "gw", PASSWORD)
    page.goto(f"{live_server.url}/field/")
    expect(page.locator("body")).to_have_attribute("data-loaded", "1", timeout=60_000)
    due = page.locator("#due button.inspection")
    expect(due).to_have_count(1)
    expect(due).to_contain_text("消防通道")

    # The first try of the inspection meets a network error; the next ones reach the server.
    tries = []

    def flaky(route):
        tries.append(route.request.url)
        if len(tries) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/inspections/api/results/", flaky)

    # Offline: the inspection is filled at the place, one item failed with a word, and queued.
    context.set_offline(True)
    due.click()
    items = page.locator("#inspect-items li")
    expect(items).to_have_count(2)
    items.nth(0).locator(".chip[data-pass='1']").click()
    page.locator("#inspect-send").click()
    expect(page.locator("#inspect-error")).not_to_have_text("")  # every item needs an answer
    items.nth(1).locator(".chip[data-pass='0']").click()
    items.nth(1).locator(".item-note").fill("楼道堆满纸箱")
    page.locator("#inspect-send").click()
    expect(page.locator("#queue-count")).to_have_text("1")
    expect(page.locator("#due button.inspection")).to_have_count(0)

    # Behind it in the queue: a report the server refuses (an unknown category), and an item another account
    # queued on this phone.
    me = page.evaluate("() => gridwork.readJSON('field-config').user")
    bad, foreign = str(uuid.uuid4()), str(uuid.uuid4())
    here = point(130, 300)
    fields = {"category": "9999", "lon": here.x, "lat": here.y}
    page.evaluate(
        QUEUE_PUT,
        [
            {
                "id": bad,
                "kind": "report",
                "url": "/field/api/report/",
                "fields": {"client_id": bad, **fields},
                "files": [],
                "label": "bad",
                "user": me,
                "created": 9e12,
            }
        ],
    )
    page.evaluate(
        QUEUE_PUT,
        [
            {
                "id": foreign,
                "kind": "report",
                "url": "/field/api/report/",
                "fields": {"client_id": foreign, **fields, "category": "0101"},
                "files": [],
                "label": "foreign",
                "user": me + 1000,
                "created": 1,
            }
        ],
    )

    # The network is back: the inspection fails once and waits; the refused report leaves the queue with the
    # server's message; the other account's item stays, shown as such.
    context.set_offline(False)
    expect(page.locator("#outbox li.refused")).to_contain_text("9999", timeout=60_000)
    expect(page.locator("#outbox li.other-account")).to_contain_text("foreign")
    # Tried again after its delay: sent once.
    expect(page.locator("#queue-count")).to_have_text("0", timeout=90_000)
    expect(page.locator("#outbox li.sent")).to_have_count(1)
    inspection = Inspection.objects.get()
    assert inspection.inspector == scene["worker"] and inspection.cell == scene["west"]
    failed = inspection.results.get(passed=False)
    assert failed.note == "楼道堆满纸箱" and failed.case.source == "inspection"
    assert len(tries) == 2
    assert not Case.objects.filter(client_id__in=[bad, foreign]).exists()
    expect(page.locator("#outbox li.other-account")).to_have_count(1)
    context.close()
