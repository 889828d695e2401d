"""Browser, on a phone: a resident posts a need with a photo at a place they tap on the map; a grid worker records a
campaign finding at their position with a photo, which becomes a case of the campaign."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Category
from cases.tests.factories import jpeg
from cocreate.models import Campaign, Finding, Need
from cocreate.tests.factories import PASSWORD
from cocreate.tests.factories import scene as make_scene
from grids.tests.factories import point

pytestmark = pytest.mark.django_db(transaction=True)


def phone(browser, here):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": here.y, "longitude": here.x},
        permissions=["geolocation"],
    )
    context.set_default_timeout(30_000)
    return context


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def test_a_resident_posts_a_need_and_a_worker_records_a_campaign_finding_on_a_phone(
    live_server, browser, django_user_model, tmp_path
):
    s = make_scene(django_user_model)
    campaign = Campaign.objects.create(
        community=s["community"],
        name="环境整治月",
        start=timezone.localdate() - timedelta(days=3),
        end=timezone.localdate() + timedelta(days=20),
        checklist=["五清：清垃圾", "三乱：乱堆乱放"],
    )
    campaign.cells.set([s["west"], s["east"]])
    campaign.categories.set(Category.objects.filter(code="0101"))
    photo = tmp_path / "p.jpg"
    photo.write_bytes(jpeg(size=(400, 300), gps=True).read())
    outside = []

    # The resident: locates, then taps the map where the need is.
    context = phone(browser, point(200, 300))
    page = context.new_page()
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://localhost", "data:")) else None)
    login(page, live_server, "cc_resident")
    page.goto(f"{live_server.url}/cocreate/need/new/")
    page.wait_for_selector("#point-map[data-ready='1']")
    page.click("#locate-me")
    page.wait_for_selector("#located[data-set='1']")
    box = page.locator("#point-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2)  # a little east of here
    page.fill("#id_title", "楼道灯不亮")
    page.fill("#id_description", "三单元楼道灯坏了两个月")
    page.set_input_files("#id_photos", str(photo))
    with page.expect_navigation():
        page.click("#submit-need")
    expect(page.locator("#needs")).to_contain_text("楼道灯不亮")
    need = Need.objects.get()
    assert need.author == s["resident"] and need.photos.count() == 1 and need.community == s["community"]
    assert need.location.x > point(200, 300).x  # where it was tapped, east of the phone's position
    context.close()

    # The grid worker: records a finding at their position during the campaign.
    here = point(150, 500)
    context = phone(browser, here)
    page = context.new_page()
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://localhost", "data:")) else None)
    login(page, live_server, "cc_worker")
    page.goto(f"{live_server.url}/cocreate/campaign/{campaign.pk}/finding/")
    page.wait_for_selector("#point-map[data-ready='1']")
    page.click("#locate-me")
    page.wait_for_selector("#located[data-set='1']")
    page.select_option("#id_category", str(Category.objects.get(code="0101").pk))
    page.select_option("#id_checklist_item", "三乱：乱堆乱放")
    page.fill("#id_description", "楼道口堆放杂物")
    page.set_input_files("#id_photos", str(photo))
    with page.expect_navigation():
        page.click("#submit-finding")
    expect(page.locator(".messages")).to_be_visible()
    finding = Finding.objects.select_related("case").get()
    assert finding.campaign == campaign and finding.case.cell == s["west"] and finding.case.photos.count() == 1
    assert finding.checklist_item == "三乱：乱堆乱放" and finding.recorded_by == s["worker"]
    assert abs(finding.case.location.x - here.x) < 1e-6
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
    assert not outside, outside
