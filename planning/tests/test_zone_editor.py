"""Browser: the zone editor's two modes (drawing a boundary, choosing compounds) never mix; an unfinished drawing
is not saved; the preview shows the answer for the zone as it is now; the map's controls speak Chinese."""

import re

import pytest
from playwright.sync_api import expect

from common.testing import browser_login
from grids.tests.factories import make_community
from planning.models import Zone
from planning.tests.factories import building, compound, zone

pytestmark = pytest.mark.django_db(transaction=True)

UNFINISHED = "边界还没有闭合"


@pytest.fixture
def editor(live_server, page, django_user_model):
    community = make_community()
    peace = compound(community, 50, 50, 450, 450, name="和平小区")
    building(peace, 150, 150, 190, 170, households=6, residents=3)  # 6 households, 18 residents
    building(peace, 300, 300, 340, 320, households=3, residents=2)  # 3 households, 6 residents
    happy = compound(community, 500, 50, 700, 250, name="幸福小区")
    building(happy, 550, 100, 600, 130, households=4, residents=1)
    django_user_model.objects.create_superuser("planner", password="x-long-password-1")
    browser_login(page, live_server.url, "planner", "x-long-password-1")
    page.goto(f"{live_server.url}/planning/zone/new/")
    page.wait_for_selector("#zone-map[data-loaded=compounds]")
    page.fill("input[name=name]", "和平片区")
    return page, peace, happy


def inside(page, c, fx, fy):
    """A point at fractions (fx, fy) of compound c's box on the screen."""
    box = page.locator(f"path.compound-{c.pk}").bounding_box()
    return box["x"] + fx * box["width"], box["y"] + fy * box["height"]


def stat(page, name):
    return page.locator(f"#preview-stats [data-stat={name}]")


def test_clicks_on_compounds_while_drawing_place_corners_and_choose_nothing(editor):
    page, peace, _happy = editor
    expect(page.locator("#zone-modes input[value=draw]")).to_be_checked()
    page.locator(".leaflet-pm-icon-polygon").click()
    # a boundary around the first building only, every corner inside the compound (and clear of its edges, which
    # the corners would snap to)
    corners = [inside(page, peace, fx, fy) for fx, fy in [(0.15, 0.6), (0.45, 0.6), (0.45, 0.85), (0.15, 0.85)]]
    for x, y in corners:
        page.mouse.click(x, y)
    expect(page.locator("#chosen-compounds")).to_have_text("—")
    expect(page.locator("#preview-stats")).to_have_attribute("data-state", "empty")  # nothing to preview yet
    page.mouse.click(*corners[0])  # close it
    expect(page.locator("#preview-stats")).to_have_attribute("data-state", "ready")
    expect(stat(page, "households")).to_have_text("6")  # the drawn boundary's, not the compound's 9
    expect(stat(page, "residents")).to_have_text("18")

    page.click("#zone-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/planning/zone/\d+/$"))
    zone = Zone.objects.get()
    assert zone.boundary.area < peace.boundary.area * 0.5  # the drawing, not the union of compounds


def test_saving_an_unfinished_drawing_says_so_and_saves_nothing(editor):
    page, peace, _happy = editor
    posted = []

    def saves(request):
        if request.method in ("POST", "PATCH") and "preview" not in request.url:
            posted.append(request.url)

    page.on("request", saves)
    page.locator(".leaflet-pm-icon-polygon").click()
    for fx, fy in [(0.1, 0.1), (0.9, 0.1), (0.9, 0.9)]:  # three corners, not closed
        page.mouse.click(*inside(page, peace, fx, fy))
    page.click("#zone-form button[type=submit]")
    expect(page.locator("#zone-errors")).to_contain_text(UNFINISHED)
    assert posted == [] and Zone.objects.count() == 0
    assert page.url.endswith("/planning/zone/new/")


def test_choosing_compounds_is_a_mode_of_its_own(editor):
    page, peace, happy = editor
    page.check("#zone-modes input[value=select]")
    expect(page.locator(".leaflet-pm-icon-polygon")).to_have_count(0)  # no drawing tools while choosing
    page.mouse.click(*inside(page, peace, 0.5, 0.5))
    expect(page.locator("#chosen-compounds")).to_have_text("和平小区")
    expect(stat(page, "households")).to_have_text("9")
    page.mouse.click(*inside(page, happy, 0.5, 0.5))
    expect(page.locator("#chosen-compounds")).to_have_text("和平小区、幸福小区")
    expect(stat(page, "households")).to_have_text("13")
    page.mouse.click(*inside(page, happy, 0.5, 0.5))  # and out again
    expect(page.locator("#chosen-compounds")).to_have_text("和平小区")
    expect(stat(page, "households")).to_have_text("9")
    expect(page.locator("#preview-stats")).to_have_attribute("data-state", "ready")
    page.click("#zone-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/planning/zone/\d+/$"))
    assert [c.name for c in Zone.objects.get().compounds.all()] == ["和平小区"]


def test_a_late_answer_to_an_earlier_preview_is_not_shown(editor):
    page, peace, happy = editor
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/v1/zones/preview/", hold_the_first)
    page.check("#zone-modes input[value=select]")
    page.mouse.click(*inside(page, peace, 0.5, 0.5))  # preview 1: 和平小区 alone, held back
    page.mouse.click(*inside(page, happy, 0.5, 0.5))  # preview 2: both compounds
    expect(stat(page, "households")).to_have_text("13")
    with page.expect_response("**/api/v1/zones/preview/") as late:
        held[0].continue_()  # the answer to preview 1 arrives last
    late.value.finished()
    expect(page.locator("#preview-stats")).to_have_attribute("data-dropped", "1")
    expect(stat(page, "households")).to_have_text("13")
    expect(page.locator("#preview-stats")).to_have_attribute("data-state", "ready")


def test_drawing_tools_and_zoom_buttons_speak_chinese(editor):
    page, peace, _happy = editor
    title = page.locator(".button-container", has=page.locator(".leaflet-pm-icon-polygon")).get_attribute("title")
    assert title == "画边界"
    rect = page.locator(".button-container", has=page.locator(".leaflet-pm-icon-rectangle")).get_attribute("title")
    assert rect == "画矩形"
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "放大")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "缩小")
    page.locator(".leaflet-pm-icon-polygon").click()
    page.mouse.move(*inside(page, peace, 0.5, 0.5))
    expect(page.get_by_role("tooltip", name="点击放下第一个角点")).to_be_visible()
    actions = page.locator(".button-container", has=page.locator(".leaflet-pm-icon-polygon")).locator(".action-cancel")
    expect(actions).to_have_text("取消")


def test_editing_a_zone_starts_in_the_drawing_mode_with_its_boundary(live_server, page, django_user_model):
    community = make_community()
    peace = compound(community, 50, 50, 450, 450, name="和平小区")
    building(peace, 150, 150, 190, 170, households=6, residents=3)
    z = zone(100, 100, 250, 250, name="和平东片")
    django_user_model.objects.create_superuser("planner", password="x-long-password-1")
    browser_login(page, live_server.url, "planner", "x-long-password-1")
    page.goto(f"{live_server.url}/planning/zone/{z.pk}/edit/")
    expect(page.locator("#zone-modes input[value=draw]")).to_be_checked()
    expect(page.locator("input[name=name]")).to_have_value("和平东片")
    expect(page.locator("#preview-stats")).to_have_attribute("data-state", "ready")
    expect(stat(page, "households")).to_have_text("6")
    page.fill("input[name=name]", "和平东片区")
    page.click("#zone-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/planning/zone/{z.pk}/$"))
    z.refresh_from_db()
    assert z.name == "和平东片区" and Zone.objects.count() == 1
