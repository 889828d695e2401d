"""A manager opens the district dashboard and drills down by clicking the map and the chart to a grid cell."""

import re

import pytest
from playwright.sync_api import expect

from cogov import services
from cogov.tests.factories import rule, small_community
from common.testing import browser_login
from grids.models import GridCell


@pytest.mark.django_db(transaction=True)
def test_drill_down_from_district_to_grid_cell(live_server, page, django_user_model):
    c1, homes = small_community(24, code="001", seed=2)
    small_community(10, code="002", seed=5)
    hygiene = rule("hygiene", 5)
    for h in homes[:5]:
        services.grant(h, hygiene, reason="周检")
    district = c1.street.district
    django_user_model.objects.create_superuser("chief", password="x-long-password-1")
    browser_login(page, live_server.url, "chief", "x-long-password-1")
    page.goto(f"{live_server.url}/cogov/dashboard/district/{district.pk}/")
    page.wait_for_selector("#dashboard-map[data-ready='1']")
    expect(page.locator("path.dash-cell")).to_have_count(8)  # every cell of the district on the choropleth

    # a cell of the first community on the district map leads to its street
    first = GridCell.objects.filter(community=c1).order_by("code").values_list("code", flat=True)[0]
    page.locator(f"path.dash-cell[data-code='{first}']").click()
    page.wait_for_url(f"**/dashboard/street/{c1.street.pk}/**")
    page.wait_for_selector("#dashboard-map[data-ready='1']")

    # a bar of the chart leads to the community
    page.locator("#units-chart").scroll_into_view_if_needed()
    # the bars are where they are shown once the chart is drawn at the size of its box (it redraws on a resize)
    page.wait_for_function(
        "() => { const c = Chart.getChart('units-chart'); if (!c) return false;"
        " const r = c.canvas.getBoundingClientRect();"
        " return Math.abs(c.width - r.width) < 1 && Math.abs(c.height - r.height) < 1; }"
    )
    box = page.locator("#units-chart").bounding_box()
    bar = page.evaluate(
        "() => { const c = Chart.getChart('units-chart'); const b = c.getDatasetMeta(0).data[0];"
        " return {x: b.x, y: (b.y + b.base) / 2}; }"
    )
    page.mouse.click(box["x"] + bar["x"], box["y"] + bar["y"])
    page.wait_for_url(f"**/dashboard/community/{c1.pk}/**")
    page.wait_for_selector("#dashboard-map[data-ready='1']")
    expect(page.locator("path.dash-cell")).to_have_count(4)

    # a cell of the community leads to the cell's own page
    code = sorted(GridCell.objects.filter(community=c1).values_list("code", flat=True))[0]
    cell = GridCell.objects.get(code=code)
    page.locator(f"path.dash-cell[data-code='{code}']").click()
    page.wait_for_url(f"**/dashboard/cell/{cell.pk}/**")
    names = "|".join(re.escape(n) for n in (code, cell.name) if n)
    expect(page.locator("#dashboard-title")).to_contain_text(re.compile(names))
    expect(page.locator("#figures tr[data-key='households'] td").nth(1)).to_have_text(str(cell.households.count()))
