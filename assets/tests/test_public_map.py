"""Browser: the public facility map — toggle a layer, search, nearest to me (geolocation and a tapped point)."""

import math

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from assets.tests.helpers import make_asset, make_green
from grids.tests.factories import ORIGIN, UTM, point

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def town_assets(types, town):
    toilets = {f"公厕{c}": make_asset(types, "0304", x, y, name=f"公厕{c}", open_24h=True) for c, x, y in [
        ("甲", 120, 150), ("乙", 420, 610), ("丙", 880, 90), ("丁", 650, 700),
    ]}  # fmt: skip
    bins = [make_asset(types, "0301", 100 + 80 * i, 400, name=f"垃圾桶{i}") for i in range(6)]
    make_asset(types, "0601", 300, 300, name="摄像头")  # not public
    green = make_green(types, 500, 200, 600, 300, name="社区小游园", open_for_adoption=True)
    return toilets, bins, green


@pytest.fixture
def located_page(browser):
    here = point(400, 420)
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 1280, "height": 800},
        geolocation={"latitude": here.y, "longitude": here.x},
        permissions=["geolocation"],
    )
    pg = context.new_page()
    outside = []
    pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://localhost", "data:")) else None)
    yield pg, (400, 420)
    context.close()
    assert not outside, outside[:5]


def expect_shown(page, n):
    """The map shows n facilities and says so."""
    expect(page.locator("#assets-map")).to_have_attribute("data-visible", str(n))
    expect(page.locator("#asset-count")).to_contain_text(str(n))


def test_toggle_a_layer_and_search(live_server, page, town_assets):
    toilets, bins, green = town_assets
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    public = len(toilets) + len(bins) + 1
    expect_shown(page, public)
    expect(page.locator("path.adoptable-shape")).to_have_count(1)  # the green space offered for adoption is marked

    page.locator('#layer-list input[value="03"]').uncheck()  # 市容环境: toilets and bins
    expect_shown(page, 1)
    page.locator('#layer-list input[value="03"]').check()
    expect_shown(page, public)

    page.fill("#asset-search", "公厕乙")
    page.click("#asset-search-form button")
    expect(page.locator("#search-summary")).to_have_text("找到 1 处设施")
    expect(page.locator("#search-results a")).to_have_text(["公厕乙"])
    page.locator("#search-results a").first.click()
    popup = page.locator(".asset-popup")
    expect(popup).to_contain_text(toilets["公厕乙"].identifier)
    expect(popup).to_contain_text("公厕乙")

    page.fill("#asset-search", "摄像头")
    page.click("#asset-search-form button")
    expect(page.locator("#search-summary")).to_have_text("没有找到。")
    expect(page.locator("#search-results a")).to_have_count(0)


def test_nearest_to_me_lists_the_closest_toilets_in_order(live_server, located_page, town_assets):
    page, (qx, qy) = located_page
    toilets, _, _ = town_assets
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    page.select_option("#nearest-type", "0304")
    page.fill("#nearest-n", "3")
    page.click("#locate-me")
    expect(page.locator("#nearest-results a")).to_have_count(3)
    names = page.locator("#nearest-results a").all_inner_texts()
    metres = {}
    for name, a in toilets.items():
        p = a.anchor.transform(UTM, clone=True)
        metres[name] = math.dist((p.x - ORIGIN.x, p.y - ORIGIN.y), (qx, qy))
    expected = sorted(metres, key=metres.get)[:3]
    assert names == expected
    shown_m = [int(t.split()[0]) for t in page.locator("#nearest-results .distance").all_inner_texts()]
    assert shown_m == [round(metres[n]) for n in expected]


def test_nearest_from_a_tapped_point(live_server, page, town_assets):
    _, bins, _ = town_assets
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    page.select_option("#nearest-type", "0301")
    page.fill("#nearest-n", "4")
    page.click("#pick-point")
    qx, qy = 310, 700  # an empty spot of the town, in metres; no two bins equally far from it
    here = point(qx, qy)
    xy = page.evaluate(
        "([lat, lng]) => { const p = window.gridworkAssets.map.latLngToContainerPoint([lat, lng]);"
        " return [p.x, p.y]; }",
        [here.y, here.x],
    )
    box = page.locator("#assets-map").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    expect(page.locator("#nearest-results a")).to_have_count(4)
    names = page.locator("#nearest-results a").all_inner_texts()
    metres = {}
    for b in bins:
        p = b.anchor.transform(UTM, clone=True)
        metres[b.name] = math.dist((p.x - ORIGIN.x, p.y - ORIGIN.y), (qx, qy))
    expected = sorted(metres, key=metres.get)[:4]
    assert names == expected
    shown_m = [int(t.split()[0]) for t in page.locator("#nearest-results .distance").all_inner_texts()]
    # the tapped pixel is within a metre or two of the intended spot
    assert all(abs(s - round(metres[n])) <= 3 for s, n in zip(shown_m, expected, strict=True))
    assert shown_m == sorted(shown_m)


def test_a_link_to_an_area_opens_the_map_on_that_area_and_counts_what_is_in_view(live_server, page, town_assets):
    toilets, bins, green = town_assets
    # a box around the bins' row (y = 400 m)
    sw, ne = point(60, 380), point(600, 420)
    page.goto(f"{live_server.url}/assets/map/?bbox={sw.x:.6f},{sw.y:.6f},{ne.x:.6f},{ne.y:.6f}")
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    west, south, east, north = page.evaluate(
        "(() => { const b = window.gridworkAssets.map.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )
    assert west <= sw.x and east >= ne.x and south <= sw.y and north >= ne.y  # the whole area is in view
    in_view = [
        a for a in [*toilets.values(), *bins, green] if west <= a.anchor.x <= east and south <= a.anchor.y <= north
    ]
    assert len(in_view) >= len(bins)
    expect_shown(page, len(in_view))  # what is in view is counted, each facility once
    # a box that is not one is refused with the reason, and nothing is drawn
    page.goto(f"{live_server.url}/assets/map/?bbox=here")
    expect(page.locator("#asset-count")).to_contain_text("bbox")
    expect(page.locator("#assets-map path.asset-feature")).to_have_count(0)


@pytest.fixture
def many_toilets(types, town):
    """25 public toilets spread over the town, named without the word for a toilet."""
    return [
        make_asset(types, "0304", 40 + (i * 173) % 920, 40 + (i * 97) % 720, name=f"{i + 1}号站点") for i in range(25)
    ]


def test_search_counts_every_match_pages_and_lists_the_nearest_to_the_map_centre_first(live_server, page, many_toilets):
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    centre = page.evaluate("(() => { const c = window.gridworkAssets.map.getCenter(); return [c.lng, c.lat]; })()")
    page.fill("#asset-search", "公厕")  # the word on the street for 公共厕所
    page.click("#asset-search-form button")
    expect(page.locator("#search-summary")).to_contain_text("找到 25 处设施")
    expect(page.locator("#search-summary")).to_contain_text("20")
    expect(page.locator("#search-results a")).to_have_count(20)
    page.click("#search-more")
    expect(page.locator("#search-results a")).to_have_count(25)
    expect(page.locator("#search-more")).to_be_hidden()

    c = Point(*centre, srid=4326).transform(UTM, clone=True)

    def metres(a):
        p = a.anchor.transform(UTM, clone=True)
        return math.dist((p.x, p.y), (c.x, c.y))

    expected = [a.name for a in sorted(many_toilets, key=metres)]
    assert page.locator("#search-results a").all_inner_texts() == expected


@pytest.fixture
def phone(browser):
    here = point(400, 420)
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": here.y, "longitude": here.x},
        permissions=["geolocation"],
    )
    pg = context.new_page()
    outside = []
    pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://localhost", "data:")) else None)
    yield pg
    context.close()
    assert not outside, outside[:5]


POPUP_IN_THE_OPEN = """() => {
  const popup = document.querySelector('.leaflet-popup');
  if (!popup) return false;
  const p = popup.getBoundingClientRect(), sheet = document.getElementById('facility-panel').getBoundingClientRect();
  return p.top >= 0 && p.left >= 0 && p.right <= window.innerWidth && p.bottom <= sheet.top;
}"""


def assert_popup_in_view(page, name):
    """The popup shows the facility, lies inside the screen and is not hidden under the sheet."""
    popup = page.locator(".leaflet-popup")
    expect(popup.locator(".asset-popup")).to_contain_text(name)
    expect(popup).to_be_in_viewport(ratio=1)
    page.wait_for_function(POPUP_IN_THE_OPEN)  # Leaflet pans the popup clear of the sheet
    box, sheet = popup.bounding_box(), page.locator("#facility-panel").bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= sheet["y"] and 0 <= box["x"] <= box["x"] + box["width"] <= 390


def test_on_a_phone_the_map_fills_the_screen_and_a_search_result_opens_in_view(live_server, phone, town_assets):
    page = phone
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    header = page.locator("header").bounding_box()
    the_map = page.locator("#assets-map").bounding_box()
    assert header["height"] <= 100  # the links scroll sideways in one row
    assert the_map["y"] <= header["height"] + 1 and the_map["y"] + the_map["height"] >= 843  # the map is the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#asset-search", "公厕")
    page.click("#asset-search-form button")
    expect(page.locator("#search-summary")).to_contain_text("找到 4 处设施")
    expect(page.locator("#search-results a")).to_have_count(4)
    last = page.locator("#search-results a").last  # the farthest from the centre
    name = last.inner_text()
    last.tap()
    assert_popup_in_view(page, name)
    assert page.evaluate("window.scrollY") == 0


def test_on_a_phone_nearest_to_me_and_a_tapped_point_open_their_popups_in_view(live_server, phone, town_assets):
    page = phone
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    page.locator("#sheet-handle").tap()  # the tools are in the sheet
    page.select_option("#nearest-type", "0304")
    page.fill("#nearest-n", "4")
    page.locator("#locate-me").tap()
    expect(page.locator("#nearest-results a")).to_have_count(4)
    last = page.locator("#nearest-results a").last
    name = last.inner_text()
    last.tap()
    assert_popup_in_view(page, name)

    page.locator("#sheet-handle").tap()
    page.locator("#pick-point").tap()
    expect(page.locator("#facility-panel")).to_have_attribute("data-sheet", "peek")  # the map is free to tap
    expect(page.locator("#map-hint")).to_have_text("请在地图上点选您所在的位置。")
    page.locator("#assets-map").tap(position={"x": 200, "y": 250})
    expect(page.locator("#nearest-results a")).to_have_count(4)
    first = page.locator("#nearest-results a").first
    name = first.inner_text()
    first.tap()
    assert_popup_in_view(page, name)


def test_on_a_desktop_the_map_stays_in_view_while_the_tools_are_used(live_server, page, town_assets):
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    page.locator("#service-tool summary").click()
    page.click("#service-run")  # at the foot of the panel
    expect(page.locator("#service-summary")).not_to_be_empty()
    page.mouse.move(150, 500)
    page.mouse.wheel(0, 2000)  # scroll over the panel
    page.locator("#nearest-results").scroll_into_view_if_needed()
    expect(page.locator("#assets-map")).to_be_in_viewport(ratio=1)
    assert page.evaluate("window.scrollY") == 0
    box = page.locator("#assets-map").bounding_box()
    assert box["x"] > 300 and box["y"] + box["height"] <= 800  # beside the panel, whole


def test_facilities_are_drawn_from_the_vector_tiles_and_a_popup_is_fetched_when_one_is_clicked(
    live_server, page, town_assets
):
    toilets, bins, green = town_assets
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    assert any("/tiles/asset-map/" in u for u in asked)  # from the public tiles, no list of every facility
    assert not any("/markers/" in u for u in asked)
    expect(page.locator("#assets-map path.asset-feature.fam-03")).not_to_have_count(0)
    expect_shown(page, len(toilets) + len(bins) + 1)

    # a facility's details come when it is clicked, from its own small answer
    toilet = toilets["公厕丙"]
    page.evaluate(
        "([lat, lng]) => window.gridworkAssets.map.setView([lat, lng], 18, { animate: false })",
        [toilet.anchor.y, toilet.anchor.x],
    )
    page.wait_for_selector("#assets-map[data-loaded=tiles]")
    xy = page.evaluate(
        "([lat, lng]) => { const p = window.gridworkAssets.map.latLngToContainerPoint([lat, lng]);"
        " return [p.x, p.y]; }",
        [toilet.anchor.y, toilet.anchor.x],
    )
    box = page.locator("#assets-map").bounding_box()
    with page.expect_response(lambda r: f"/api/v1/assets/{toilet.pk}/popup/" in r.url) as answer:
        page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    assert answer.value.status == 200
    popup = page.locator(".asset-popup")
    expect(popup).to_contain_text("公厕丙")
    expect(popup).to_contain_text(toilet.identifier)

    # unchecking a family takes its facilities off the map and out of the count
    page.locator('#layer-list input[value="03"]').uncheck()
    expect(page.locator("#assets-map path.fam-03")).to_have_count(0)
    page.evaluate("() => window.gridworkAssets.map.setZoom(12, { animate: false })")
    expect(page.locator("#assets-map")).to_have_attribute("data-visible", "1")  # the green space
    page.locator('#layer-list input[value="03"]').check()
    # far out, the town's toilets and bins are clusters that count them all; a click on one zooms in
    expect(page.locator("#assets-map path.asset-cluster.fam-03")).not_to_have_count(0)
    expect(page.locator("#assets-map")).to_have_attribute("data-visible", str(len(toilets) + len(bins) + 1))
    page.locator("#assets-map path.asset-cluster.fam-03").first.click()
    page.wait_for_function("() => window.gridworkAssets.map.getZoom() > 12")
