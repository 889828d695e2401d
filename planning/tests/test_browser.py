"""Browser: a planner draws a zone, sees its statistics, runs the project to its public notice; a visitor comments."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from common.testing import browser_login
from grids.models import Household
from grids.tests.factories import in_test_district, make_community
from planning.consent import record_vote
from planning.models import Comment, Item, Project, Stage, Vote, Zone
from planning.tests.factories import building, compound, eligible_setup

pytestmark = pytest.mark.django_db(transaction=True)


def test_planner_draws_a_zone_sees_statistics_publishes_and_a_visitor_comments(live_server, page, django_user_model):
    community = make_community()
    c = compound(community, 100, 100, 300, 300, name="和平小区")
    building(c, 120, 120, 160, 140, year=1988, storeys=6, households=6, residents=3)
    building(c, 200, 200, 240, 220, year=1995, storeys=5, households=3, residents=2)
    compound(community, 600, 100, 800, 300, name="幸福小区")  # a neighbour, left out of the zone
    django_user_model.objects.create_superuser("planner", password="x-long-password-1")

    browser_login(page, live_server.url, "planner", "x-long-password-1")
    page.goto(f"{live_server.url}/planning/zone/new/")
    page.wait_for_selector("#zone-map[data-loaded=compounds]")
    page.fill("input[name=name]", "和平片区")
    box = page.locator(f"path.compound-{c.pk}").bounding_box()
    x0, y0, x1, y1 = box["x"] - 25, box["y"] - 25, box["x"] + box["width"] + 25, box["y"] + box["height"] + 25
    page.locator(".leaflet-pm-icon-polygon").click()
    for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]:
        page.mouse.click(x, y)
    # the preview of the zone as drawn: the answer to the latest request, whatever arrives first
    expect(page.locator("#preview-stats [data-stat=households]")).to_have_text("9")
    expect(page.locator("#preview-stats [data-stat=residents]")).to_have_text("24")
    expect(page.locator("#preview-stats")).to_have_attribute("data-state", "ready")
    page.click("#zone-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/planning/zone/\d+/$"))
    zone = Zone.objects.get()
    assert [x.name for x in zone.compounds.all()] == ["和平小区"]
    assert page.locator("#zone-stats [data-stat=households]").inner_text() == "9"
    assert page.locator("#zone-stats [data-stat=buildings]").inner_text() == "2"
    page.wait_for_selector("#adjacent-list li")
    page.fill("input[name=distance]", "400")
    page.click("#adjacent-form button")
    page.locator("#adjacent-list li", has_text="幸福小区").wait_for()

    page.click(f"a[href='/planning/zone/{zone.pk}/project/new/']")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/planning/project/\d+/$"))
    project = Project.objects.get()
    for h in Household.objects.all():
        record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.RESIDENT)
    Item.objects.create(
        project=project,
        name="雨污分流改造",
        item_class="basic",
        quantity=320,
        unit="m",
        cost_estimate=480000,
        fund_government=400000,
        fund_residents=80000,
    )
    for _ in range(4):
        page.reload()
        with page.expect_navigation():
            page.click("#advance-form button[type=submit]")
    project.refresh_from_db()
    assert project.stage == Stage.PUBLICATION
    public_url = page.locator("#public-link").get_attribute("href")

    with page.expect_navigation():
        page.click("header form.inline button")  # log out: the visitor is anonymous
    page.goto(f"{live_server.url}{public_url}")
    assert "雨污分流改造" in page.locator("table.items").inner_text()
    page.fill("textarea[name=text]", "希望同时更换楼道灯")
    page.click("#comment-form button[type=submit]")
    page.wait_for_selector(".messages .success")
    comment = Comment.objects.get()
    assert comment.text == "希望同时更换楼道灯" and comment.status == Comment.Status.PENDING
    assert "希望同时更换楼道灯" not in page.locator("#comments").inner_text()  # shown only once approved


def test_worker_records_votes_on_the_map_of_households_not_yet_voted(live_server, page, django_user_model):
    from django.contrib.auth.models import Permission

    from planning.tests.factories import eligible_setup

    _c, _z, project = eligible_setup(make_community())
    Household.objects.update(head_name="欧阳秀英", phone="13900001111")
    worker = django_user_model.objects.create_user("worker", password="x-long-password-1")
    worker.user_permissions.add(*Permission.objects.filter(codename__in=["add_vote", "view_project"]))
    in_test_district(worker)
    browser_login(page, live_server.url, "worker", "x-long-password-1")
    page.goto(f"{live_server.url}/planning/project/{project.pk}/survey/")
    page.wait_for_selector("#survey-map[data-loaded=pending]")
    assert page.locator("#pending-count").inner_text() == "9"
    assert "欧阳" not in page.content() and "13900001111" not in page.content()
    first = page.locator("#pending-list a").first
    plate = first.inner_text()
    first.click()
    expect(page.locator("#chosen-household")).to_have_text(plate)
    page.check("input[name=choice][value=agree]")
    page.click("#vote-form button[type=submit]")
    page.wait_for_selector("#vote-message.ok")
    page.locator("#pending-count", has_text="8").wait_for()
    vote = Vote.objects.get()
    assert vote.household.door_plate == plate and vote.recorded_by == worker and vote.channel == "worker"
    assert "1" in page.locator("#consent-rates").inner_text() and "11.1%" in page.locator("#consent-rates").inner_text()


def test_the_public_plan_fits_a_phone_and_groups_amounts_by_thousands(live_server, browser):
    _c, _z, project = eligible_setup(make_community())
    Item.objects.create(
        project=project,
        name="雨污分流改造",
        item_class="basic",
        quantity=320,
        unit="m",
        cost_estimate=2376000,
        fund_government=2000000,
        fund_residents=376000,
    )
    project.stage, project.published_on = Stage.PUBLICATION, timezone.localdate()
    project.save()
    phone = {"width": 390, "height": 844}
    context = browser.new_context(locale="zh-CN", viewport=phone, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/planning/plan/{project.pk}/")
        expect(page.locator("#budget-total")).to_have_text("2,376,000 元")
        expect(page.locator("table.items")).to_contain_text("2,376,000")
        expect(page.locator("table.items")).to_contain_text("376,000")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page never wider than the screen
        table = page.locator(".table-scroll")
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        # the items table scrolls inside its box, to its last column
        last_column = page.locator("table.items tr").first.locator("th").last
        table.scroll_into_view_if_needed()
        expect(last_column).not_to_be_in_viewport(ratio=1)
        table.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
        expect(last_column).to_be_in_viewport(ratio=1)
        assert page.evaluate("window.scrollX") == 0
    finally:
        context.close()
