"""Browser: a grid worker reports a case on the mobile page with a photo; it is walked through to closed."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from accounts.models import Membership, Role
from cases.models import Case, State
from cases.tests.factories import jpeg, load_categories
from grids.models import GridAssignment
from grids.tests.factories import in_test_district, make_cells, make_community, point
from responsibility.models import Party

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-long-password-1"


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():  # the answer to the form, not the login page already loaded
        page.click("form button[type=submit]")


def act(page, live_server, case, action, note=None, photo=None):
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = page.locator(f"form[data-action={action}]")
    if note:
        form.locator("textarea[name=note]").fill(note)
    if photo:
        form.locator("input[name=photos]").set_input_files(photo)
    with page.expect_navigation():  # the page after the action, so that it has been done
        form.locator("button[type=submit]").click()


def test_report_on_the_mobile_page_with_a_photo_and_walk_it_to_closed(
    live_server, browser, django_user_model, tmp_path
):
    load_categories()
    community = make_community()
    west, _east = make_cells(community, 2, 1)
    worker = django_user_model.objects.create_user("gw", first_name="小王", password=PASSWORD)
    worker.user_permissions.add(*Permission.objects.filter(codename__in=["verify_case", "view_case"]))
    in_test_district(worker)
    GridAssignment.objects.create(cell=west, worker=worker)
    disp = django_user_model.objects.create_user("disp", password=PASSWORD)
    disp.user_permissions.add(*Permission.objects.filter(codename__in=["dispatch_case", "view_case"]))
    in_test_district(disp)
    Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区环卫所")
    handler = django_user_model.objects.create_user("h1", password=PASSWORD)
    Membership.objects.create(user=handler, role=Role.HANDLER, department="区环卫所")
    photo = tmp_path / "rubbish.jpg"
    photo.write_bytes(jpeg(size=(400, 300), gps=True).read())

    # A phone: small screen, location allowed.
    here = point(120, 300)
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": here.y, "longitude": here.x},
        permissions=["geolocation"],
    )
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://localhost", "data:")) else None)
    login(page, live_server, "gw")
    page.goto(f"{live_server.url}/cases/report/")
    page.wait_for_selector("#report-map[data-ready='1']")
    page.click("#locate-me")
    page.wait_for_selector("#located[data-set='1']")
    page.select_option("#id_category", "0101")
    page.fill("#id_description", "路边垃圾堆积三天了")
    page.set_input_files("#id_photos", str(photo))
    page.click("#submit-report")
    page.wait_for_url("**/cases/track/**")
    case = Case.objects.get()
    assert case.cell == west and case.reporter == worker and case.photos.count() == 1
    assert abs(case.location.x - here.x) < 1e-6 and abs(case.location.y - here.y) < 1e-6
    expect(page.locator("#track-state")).to_have_text("已上报")

    context.clear_cookies()
    login(page, live_server, "disp")
    act(page, live_server, case, "register")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert "区环卫所" in page.locator("#routing").inner_text() + page.locator(".candidates").inner_text()
    act(page, live_server, case, "dispatch")
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.department == "区环卫所"

    context.clear_cookies()
    login(page, live_server, "h1")
    act(page, live_server, case, "start")
    act(page, live_server, case, "handle", note="已清运", photo=str(photo))
    context.clear_cookies()
    login(page, live_server, "gw")
    act(page, live_server, case, "verify")
    context.clear_cookies()
    login(page, live_server, "disp")
    act(page, live_server, case, "close")
    expect(page.locator("#case-state")).to_have_text("已结案")
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.closed_on_time()
    assert [e.action for e in case.events.all()] == [
        "report",
        "register",
        "dispatch",
        "start",
        "handle",
        "verify",
        "close",
    ]
    assert case.events.get(action="handle").photos.count() == 1
    context.close()
    assert not outside, outside[:5]
