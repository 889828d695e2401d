"""Browser (Chromium, a 390 × 844 phone): a report whose send met a network error while the phone still counted
itself online (the usual way a network drops: the request fails before the phone notices) waits out its retry delay
only while there is no network — once the network is back (the `online` event), it is sent at once, without a page
reload, instead of after its delay (10 s after the first error, up to 10 minutes after several).

The page's clock is held still from before the error, so the delay never runs out during the test: only the return
of the network can send the report."""

import uuid

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from cases.models import Case
from cases.tests.factories import load_categories
from common.testing import browser_login
from field.tests.test_offline_browser import PASSWORD, phone
from grids.models import GridAssignment
from grids.tests.factories import in_test_district, make_cells, make_community, point

pytestmark = pytest.mark.django_db(transaction=True)

ENQUEUE = """([id, lon, lat]) => {
  const cfg = gridwork.readJSON('field-config');
  return window.gridworkField.enqueue({ id: id, kind: 'report', url: cfg.urls.report, files: [], label: '0101',
    fields: { client_id: id, category: '0101', lon: lon, lat: lat, description: '路边垃圾' } });
}"""


@pytest.fixture
def worker(django_user_model):
    load_categories()
    west, _east = make_cells(make_community(), 2, 1)
    user = django_user_model.objects.create_user("gw", first_name="小王", password=PASSWORD)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_case"]))
    in_test_district(user)
    GridAssignment.objects.create(cell=west, worker=user)
    return user


def test_a_report_put_back_after_a_network_error_is_sent_as_soon_as_the_network_returns(live_server, browser, worker):
    here = point(120, 300)  # in the worker's cell
    context = phone(browser, here)
    page = context.new_page()
    page.clock.install()
    browser_login(page, live_server.url, "gw", PASSWORD)
    page.goto(f"{live_server.url}/field/")
    expect(page.locator("body")).to_have_attribute("data-loaded", "1", timeout=60_000)

    # The first send fails as a dropped network does (the phone still says it is online); later ones get through.
    tries = []

    def dropped_once(route):
        tries.append(route.request.url)
        if len(tries) == 1:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/field/api/report/", dropped_once)
    page.clock.pause_at(page.evaluate("() => Date.now()") + 1000)  # from here on no timer fires on its own
    client_id = str(uuid.uuid4())
    page.evaluate(ENQUEUE, [client_id, here.x, here.y])
    pending = page.locator("#outbox li.pending")
    expect(pending).to_contain_text("稍后重试")  # put back, to be tried again after its delay
    expect(page.locator("#queue-count")).to_have_text("1")

    # The phone notices the network is gone, then that it is back.
    context.set_offline(True)
    expect(page.locator("#net")).to_have_attribute("data-online", "0")
    context.set_offline(False)
    expect(page.locator("#net")).to_have_attribute("data-online", "1")

    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#outbox li.sent")).to_have_count(1)
    assert len(tries) == 2
    case = Case.objects.get(client_id=client_id)
    assert case.reporter == worker and case.source == "field"
    context.close()
