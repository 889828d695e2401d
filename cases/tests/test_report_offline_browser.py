"""Browser (Chromium, a 390 × 844 phone): a resident opens the report page once with a network, loses it, reports a
problem with a photo; the report waits on the phone (count 1) and nothing reaches the server. With the network back
the first answer is lost on the way (the case is made, the phone sees a network error): the phone tries again with
the same id and the server answers the same case, so exactly one case arrives, with its photo, and the count is 0.
A report queued while signed out is not sent once someone signs in on the phone."""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from cases.tests.factories import jpeg, load_categories
from common.testing import browser_login
from field.tests.test_offline_browser import PASSWORD, phone
from grids.tests.factories import in_test_district, make_cells, make_community, point

pytestmark = pytest.mark.django_db(transaction=True)

# The item put back after the lost answer is due again at once (instead of 10 s later) and the page is told the
# network is back, which is when the queue sends.
RETRY_NOW = """() => idb.openDB("gridwork-field", 1).then(async (db) => {
  for (const item of await db.getAll("queue")) { item.nextAt = 0; await db.put("queue", item); }
  window.dispatchEvent(new Event("online"));
})"""


@pytest.fixture
def scene(tmp_path):
    load_categories()
    west, _east = make_cells(make_community(), 2, 1)
    photo = tmp_path / "drain.jpg"
    photo.write_bytes(jpeg(size=(320, 240)).read())
    return {"west": west, "photo": str(photo)}


def fill_report(page, photo, description):
    expect(page.locator("#report-map")).to_have_attribute("data-ready", "1")
    page.locator("#locate-me").click()
    expect(page.locator("#located")).to_have_attribute("data-set", "1")
    page.locator("#id_category").select_option("0106")
    page.locator("#id_description").fill(description)
    page.locator("#id_photos").set_input_files(photo)


def test_a_report_made_offline_is_sent_once_when_the_network_returns(live_server, browser, scene):
    here = point(120, 300)
    context = phone(browser, here)
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://localhost", "data:")) else None)
    url = f"{live_server.url}/cases/report/"

    # Once with a network: the service worker keeps the page and its files.
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-offline-ready", "1", timeout=90_000)

    # No network: the page opens from what was kept, and the report waits on the phone.
    context.set_offline(True)
    page.goto(url)
    expect(page.locator("#net")).to_have_attribute("data-online", "0")
    fill_report(page, scene["photo"], "边沟堵塞，雨水漫到路面")
    page.locator("#id_contact_phone").fill("13812345678")
    page.locator("#submit-report").click()
    expect(page.locator("#queue-count")).to_have_text("1")
    expect(page.locator("#outbox li.pending")).to_have_count(1)
    expect(page.locator("#id_description")).to_have_value("")
    assert not Case.objects.exists()

    # The network is back, but the answer to the first send is lost: the case is made, the phone keeps the report.
    posts = []

    def lose_the_answer(route):
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.post_data_buffer)
        if len(posts) == 1:
            route.fetch()  # the server makes the case
            route.abort("connectionreset")  # and the phone never hears of it
        else:
            route.continue_()

    page.route("**/cases/report/", lose_the_answer)
    context.set_offline(False)
    retrying = page.evaluate("() => gridwork.readJSON('cases-i18n').retrying")
    expect(page.locator("#outbox li.pending")).to_contain_text(retrying, timeout=60_000)
    assert len(posts) == 1
    case = Case.objects.get()
    expect(page.locator("#queue-count")).to_have_text("1")

    # Tried again with the same id: the same case answers, none is added.
    page.evaluate(RETRY_NOW)
    expect(page.locator("#queue-count")).to_have_text("0", timeout=60_000)
    sent = page.locator("#outbox li.sent")
    expect(sent).to_have_count(1)
    expect(sent.locator("a")).to_have_attribute("href", f"/cases/track/{case.token}/")
    assert len(posts) == 2 and Case.objects.count() == 1
    case.refresh_from_db()
    assert case.reporter is None and case.client_id is not None and case.cell == scene["west"]
    assert case.category.code == "0106" and case.description == "边沟堵塞，雨水漫到路面"
    assert case.contact_phone == "13812345678" and case.photos.count() == 1
    assert abs(case.location.x - here.x) < 1e-6 and abs(case.location.y - here.y) < 1e-6

    # A reload sends nothing again.
    page.unroute("**/cases/report/")
    page.reload()
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#outbox li.sent")).to_have_count(1)
    assert Case.objects.count() == 1
    context.close()
    assert not outside, outside[:5]


def test_a_report_queued_signed_out_is_not_sent_under_an_account(live_server, browser, scene, django_user_model):
    user = django_user_model.objects.create_user("resident", password=PASSWORD)
    in_test_district(user)
    context = phone(browser, point(120, 300))
    page = context.new_page()
    url = f"{live_server.url}/cases/report/"
    page.goto(url)
    expect(page.locator("#report-map")).to_have_attribute("data-ready", "1")

    context.set_offline(True)
    fill_report(page, scene["photo"], "井盖松动")
    page.locator("#id_contact_phone").fill("13812345678")
    page.locator("#submit-report").click()
    expect(page.locator("#queue-count")).to_have_text("1")

    # The page is left before the network is back; then someone signs in on this phone: the signed-out report
    # waits, shown as such.
    page.goto("about:blank")
    context.set_offline(False)
    browser_login(page, live_server.url, "resident", PASSWORD)
    page.goto(url)
    expect(page.locator("#outbox li.other-account")).to_have_count(1)
    expect(page.locator("#queue-count")).to_have_text("0")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.evaluate("() => window.gridworkReport.flush()")  # a round of sending, finished
    expect(page.locator("#outbox li.other-account")).to_have_count(1)
    # Nothing is sent under the account. (A send the signed-out page began offline may still reach the server once
    # the network is back, before anyone signs in: that makes the case signed out, as it was reported.)
    assert not posts and not Case.objects.filter(reporter__isnull=False).exists()
    context.close()
