"""Browser (Chromium, a 390 × 844 phone): a grid worker opens the field workspace once with a network, loses it,
reports a case with a photo in four taps, verifies a handled case with a photo and walks a patrol; with the network
back exactly one case, one verification and one patrol arrive and nothing waits to be sent."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from cases.models import Case, CaseEvent, State
from cases.tests.factories import jpeg, load_categories, report
from common.testing import browser_login
from field.models import Patrol
from grids.models import GridAssignment
from grids.tests.factories import UTM, in_test_district, make_cells, make_community, point
from responsibility.models import Party

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-long-password-1"


@pytest.fixture
def scene(django_user_model, tmp_path):
    load_categories()
    community = make_community()
    west, _east = make_cells(community, 2, 1)
    worker = django_user_model.objects.create_user("gw", first_name="小王", password=PASSWORD)
    worker.user_permissions.add(*Permission.objects.filter(codename__in=["verify_case", "view_case"]))
    in_test_district(worker)
    GridAssignment.objects.create(cell=west, worker=worker)
    dept = Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区环卫所")
    handled = report(x=300, y=200)
    Case.objects.filter(pk=handled.pk).update(
        state=State.HANDLED, handler_kind="department", handler_party=dept, department="区环卫所"
    )
    photo = tmp_path / "spot.jpg"
    photo.write_bytes(jpeg(size=(320, 240)).read())
    return {"west": west, "worker": worker, "handled": handled, "photo": str(photo)}


def phone(browser, here):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": here.y, "longitude": here.x},
        permissions=["geolocation"],
    )
    context.set_default_navigation_timeout(60_000)
    return context


def test_offline_report_and_verification_arrive_once_when_the_network_returns(live_server, browser, scene):
    here = point(120, 300)  # in the worker's west cell
    context = phone(browser, here)
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://localhost", "data:")) else None)
    browser_login(page, live_server.url, "gw", PASSWORD)

    # Once with a network: the workspace lists the handled case to verify and keeps itself for offline use.
    page.goto(f"{live_server.url}/field/")
    # Keeping the pages and their files takes a few seconds, longer on a busy machine.
    expect(page.locator("body")).to_have_attribute("data-offline-ready", "1", timeout=90_000)
    handled = scene["handled"]
    expect(page.locator(f"#inbox button[data-id='{handled.pk}']")).to_be_visible()

    # No network: the workspace and the report page still open.
    context.set_offline(True)
    page.goto(f"{live_server.url}/cases/report/")
    expect(page.locator("#report-form")).to_be_visible()
    page.goto(f"{live_server.url}/field/")
    expect(page.locator("body")).to_have_attribute("data-loaded", "1")
    expect(page.locator("#net")).to_have_attribute("data-online", "0")
    other = context.new_page()
    with pytest.raises(PlaywrightError):  # a page it did not keep: the network is really off
        other.goto(f"{live_server.url}/cases/stats/")
    other.close()

    # Report in four taps: 上报 (the position comes from GPS), a category, a photo, send.
    taps = 0

    def tap(selector):
        nonlocal taps
        taps += 1
        page.locator(selector).click()

    tap("#tab-report")
    expect(page.locator("#report-where")).to_have_attribute("data-located", "1")
    tap("#report-categories .chip >> nth=0")
    expect(page.locator("#report-duplicates")).to_have_attribute("data-checked", "offline")
    with page.expect_file_chooser() as chooser:
        tap("#report-photo-btn")
    chooser.value.set_files(scene["photo"])
    expect(page.locator("#report-photo-name")).not_to_have_text("")
    tap("#report-send")
    assert taps == 4
    expect(page.locator("#queue-count")).to_have_text("1")

    # Verify the handled case with a photo, still offline.
    page.locator("#tab-inbox").click()
    page.locator(f"#inbox button[data-id='{handled.pk}']").click()
    page.locator("#case-photo").set_input_files(scene["photo"])
    page.locator("#case-actions button[data-act='verify']").click()
    expect(page.locator("#queue-count")).to_have_text("2")

    # A patrol, still offline: 100 m walked in fixes 5 m apart, kept every 15 m (12 m or more from the last).
    page.locator("#tab-patrol").click()
    page.locator("#patrol-start").click()
    expect(page.locator("#patrol-state")).to_have_attribute("data-state", "walking")
    for i in range(21):
        fix = point(120 + 5 * i, 300)
        context.set_geolocation({"latitude": fix.y, "longitude": fix.x})
        expect(page.locator("#patrol-state")).to_have_attribute("data-fix", f"{fix.y:.6f},{fix.x:.6f}")
    expect(page.locator("#patrol-points")).to_have_text("7")
    page.locator("#patrol-end").click()
    expect(page.locator("#queue-count")).to_have_text("3")
    expect(page.locator("#outbox li.pending")).to_have_count(3)
    assert not Case.objects.filter(source="field").exists() and not Patrol.objects.exists()

    # The network is back: both are sent, once.
    context.set_offline(False)
    expect(page.locator("#queue-count")).to_have_text("0", timeout=90_000)  # three items, photos re-encoded
    expect(page.locator("#outbox li.sent")).to_have_count(3)
    new = Case.objects.get(source="field")
    assert new.reporter == scene["worker"] and new.cell == scene["west"] and new.client_id is not None
    assert new.photos.count() == 1
    assert abs(new.location.x - here.x) < 1e-6 and abs(new.location.y - here.y) < 1e-6
    handled.refresh_from_db()
    assert handled.state == State.VERIFIED
    verify = CaseEvent.objects.get(case=handled, action="verify")
    assert verify.actor == scene["worker"] and verify.photos.count() == 1 and verify.client_id is not None

    patrol = Patrol.objects.get()
    assert patrol.worker == scene["worker"] and patrol.cell == scene["west"]
    kept = patrol.track.transform(UTM, clone=True)[0]
    pairs = zip(kept.coords[:-1], kept.coords[1:], strict=True)
    gaps = [((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for a, b in pairs]
    assert len(gaps) == 6 and all(14.5 <= g <= 20 for g in gaps), gaps
    assert patrol.length_m == pytest.approx(90, abs=1)

    # A reload sends nothing again.
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-loaded", "1")
    expect(page.locator("#queue-count")).to_have_text("0")
    assert Case.objects.filter(source="field").count() == 1
    assert CaseEvent.objects.filter(case=handled, action="verify").count() == 1
    assert Patrol.objects.count() == 1
    context.close()
    assert not outside, outside[:5]
