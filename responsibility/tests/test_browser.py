"""Browser: a manager assigns a worker by clicking a cell, and draws a 门前三包 polygon with the editor."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from common.testing import browser_login
from grids.models import GridAssignment
from grids.tests.factories import make_cells, make_community
from responsibility.models import ResponsibilityArea
from responsibility.tests.factories import org

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def manager(django_user_model):
    community = make_community()
    cells = make_cells(community, 2, 2)
    user = django_user_model.objects.create_user("manager", password="x-long-password-1")
    community.managers.add(user)
    worker = django_user_model.objects.create_user("wzhang", first_name="张伟")
    worker.groups.add(Group.objects.get_or_create(name="grid workers")[0])
    return community, cells, user, worker


def test_assign_a_worker_by_clicking_a_cell(live_server, page, manager):
    community, cells, _user, worker = manager
    browser_login(page, live_server.url, "manager", "x-long-password-1")
    page.goto(f"{live_server.url}/responsibility/community/{community.pk}/assign/")
    page.wait_for_selector("#assign-map[data-loaded=cells]")
    expect(page.locator("path.uncovered-cell")).to_have_count(4)  # nobody assigned yet: all stand out
    label = page.locator(".cell-label", has_text="001")
    page.locator(f'path[aria-describedby="{label.get_attribute("id")}"]').click()
    expect(page.locator("#selected-cells")).to_have_text("001")
    page.select_option("select[name=worker]", str(worker.pk))
    page.click("#assign-form button[type=submit]")
    page.wait_for_selector("#assign-message.ok")
    expect(page.locator("path.uncovered-cell")).to_have_count(3)
    assert [w.first_name for w in cells[0].workers_on()] == ["张伟"]
    assert GridAssignment.objects.count() == 1
    expect(page.locator("#worker-legend")).to_contain_text("张伟")


def test_draw_a_frontage_polygon_with_the_editor(live_server, page, manager):
    community, _cells, _user, _worker = manager
    shop = org("阳光水果店")
    browser_login(page, live_server.url, "manager", "x-long-password-1")
    page.goto(f"{live_server.url}/responsibility/responsibilityarea/new/?community={community.pk}")
    page.wait_for_selector(".leaflet-pm-toolbar")
    page.fill("input[name=name]", "阳光水果店门前")
    page.select_option("select[name=party]", str(shop.pk))
    page.check("input[name=duties][value=clean]")
    page.check("input[name=duties][value=facade]")
    box = page.locator("#editor-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.locator(".leaflet-pm-icon-polygon").click()
    for dx, dy in [(-60, -20), (60, -20), (60, 20), (-60, 20)]:
        page.mouse.click(cx + dx, cy + dy)
    page.mouse.click(cx - 60, cy - 20)  # back on the first corner closes the polygon
    page.click("#area-form button[type=submit]")
    page.wait_for_url("**/responsibility/responsibilityarea/*/")
    area = ResponsibilityArea.objects.get()
    assert area.name == "阳光水果店门前" and area.party == shop and area.community == community
    assert sorted(area.duties) == ["clean", "facade"]
    assert area.area.geom_type == "MultiPolygon" and len(area.area[0].exterior_ring) == 5  # four corners, closed
    assert "阳光水果店门前" in page.content()
