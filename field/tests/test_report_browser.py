"""Browser (Chromium, a 390 × 844 phone, online): the category the worker reports most comes first, the open cases of
that category nearby are shown before sending, and sending the same report again is refused with a link to the case
that exists."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from cases import services
from cases.models import Case, Category
from cases.tests.factories import jpeg, load_categories
from common.testing import browser_login
from grids.models import GridAssignment
from grids.tests.factories import in_test_district, make_cells, make_community, point

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-long-password-1"


def test_the_duplicate_is_shown_before_sending_and_refused_with_a_link(
    live_server, browser, django_user_model, tmp_path
):
    load_categories()
    community = make_community()
    west, _east = make_cells(community, 2, 1)
    worker = django_user_model.objects.create_user("gw", password=PASSWORD)
    worker.user_permissions.add(*Permission.objects.filter(codename__in=["verify_case", "view_case"]))
    in_test_district(worker)
    GridAssignment.objects.create(cell=west, worker=worker)
    here = point(200, 300)
    mine = services.submit(
        services.Report(
            kind=Case.Kind.PROBLEM,
            category=Category.objects.get(code="0105"),
            description="楼道堆物",
            location=here,
            reporter=worker,
        )
    )
    photo = tmp_path / "p.jpg"
    photo.write_bytes(jpeg().read())

    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": here.y, "longitude": here.x},
        permissions=["geolocation"],
    )
    context.set_default_navigation_timeout(60_000)
    page = context.new_page()
    browser_login(page, live_server.url, "gw", PASSWORD)
    page.goto(f"{live_server.url}/field/")
    expect(page.locator("body")).to_have_attribute("data-loaded", "1")

    page.locator("#tab-report").click()
    expect(page.locator("#report-where")).to_have_attribute("data-located", "1")
    first = page.locator("#report-categories .chip").first
    expect(first).to_have_attribute("data-code", "0105")  # what this worker reports most
    first.click()
    expect(page.locator("#report-duplicates")).to_have_attribute("data-checked", "1")
    expect(page.locator(f"#report-duplicates a[href='/cases/{mine.pk}/']")).to_be_visible()
    page.locator("#report-photo").set_input_files(str(photo))
    page.locator("#report-send").click()

    refused = page.locator("#outbox li.refused")
    expect(refused).to_have_count(1)
    expect(refused.locator(f"a[href='/cases/{mine.pk}/']")).to_be_visible()
    expect(page.locator("#queue-count")).to_have_text("0")
    assert Case.objects.count() == 1
    context.close()
