"""Browser: the public facility map — toggle a layer, search, nearest to me (geolocation and a tapped point)."""

import math

import pytest

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


def shown(page):
    return int(page.locator("#assets-map").get_attribute("data-visible"))


def test_toggle_a_layer_and_search(live_server, page, town_assets):
    toilets, bins, green = town_assets
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=markers]")
    public = len(toilets) + len(bins) + 1
    assert shown(page) == public and str(public) in page.locator("#asset-count").inner_text()
    assert page.locator("path.adoptable-shape").count() == 1  # the green space offered for adoption is marked

    page.locator('#layer-list input[value="03"]').uncheck()  # 市容环境: toilets and bins
    assert shown(page) == 1
    assert str(1) in page.locator("#asset-count").inner_text()
    page.locator('#layer-list input[value="03"]').check()
    assert shown(page) == public

    page.fill("#asset-search", "公厕乙")
    page.click("#asset-search-form button")
    page.wait_for_selector("#search-results a")
    assert page.locator("#search-results a").all_inner_texts() == ["公厕乙"]
    page.locator("#search-results a").first.click()
    popup = page.locator(".asset-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert toilets["公厕乙"].identifier in text and "公厕乙" in text

    page.fill("#asset-search", "摄像头")
    page.click("#asset-search-form button")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results a").count() == 0


def test_nearest_to_me_lists_the_closest_toilets_in_order(live_server, located_page, town_assets):
    page, (qx, qy) = located_page
    toilets, _, _ = town_assets
    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("#assets-map[data-loaded=markers]")
    page.select_option("#nearest-type", "0304")
    page.fill("#nearest-n", "3")
    page.click("#locate-me")
    page.wait_for_selector("#nearest-results a")
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
    page.wait_for_selector("#assets-map[data-loaded=markers]")
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
    page.wait_for_selector("#nearest-results a")
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


def test_a_link_to_an_area_shows_the_facilities_of_that_area_only(live_server, page, town_assets):
    toilets, bins, _green = town_assets
    # a box around the bins' row (y = 400 m), leaving out every toilet and the green space
    sw, ne = point(60, 380), point(600, 420)
    page.goto(f"{live_server.url}/assets/map/?bbox={sw.x:.6f},{sw.y:.6f},{ne.x:.6f},{ne.y:.6f}")
    page.wait_for_selector("#assets-map[data-loaded=markers]")
    assert shown(page) == len(bins) and str(len(bins)) in page.locator("#asset-count").inner_text()
    # a box that is not one is refused by the API with the reason, and the page says so
    page.goto(f"{live_server.url}/assets/map/?bbox=here")
    page.wait_for_function("document.getElementById('asset-count').textContent.indexOf('bbox') >= 0")
    assert page.locator(".leaflet-marker-icon").count() == 0
