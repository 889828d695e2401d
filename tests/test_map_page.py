"""Browser: open the grid map, see the communities, click one to draw its cells, click a cell for its figures."""

import pytest
from playwright.sync_api import expect

from grids.models import GridAssignment
from grids.tests.factories import make_cells, make_community, make_households

pytestmark = pytest.mark.django_db(transaction=True)


def test_map_draws_cells_and_opens_a_cell(live_server, page, django_user_model):
    community = make_community()
    cells = make_cells(community, 3, 2)
    make_households(community, 60, seed=4)
    from grids.models import Household

    Household.objects.all().assign_cells()
    worker = django_user_model.objects.create_user("w1", first_name="陈静")
    GridAssignment.objects.create(cell=cells[0], worker=worker, start="2026-01-01")

    page.goto(f"{live_server.url}/grids/map/")
    page.wait_for_selector("#grid-map[data-loaded=communities]")
    shapes = page.locator("path.community-shape")
    expect(shapes).to_have_count(1)
    shapes.first.click()
    expect(page.locator("#cell-count")).to_contain_text("6")
    expect(page.locator("path.cell-shape")).to_have_count(6)
    labels = page.locator(".cell-label").all_inner_texts()
    assert sorted(labels) == ["001", "002", "003", "004", "005", "006"]

    label = page.locator(".cell-label", has_text="001")
    page.locator(f'path[aria-describedby="{label.get_attribute("id")}"]').click()  # the cell labelled 001
    popup = page.locator(".cell-popup")
    expect(popup).to_contain_text(cells[0].code)
    expect(popup).to_contain_text("陈静")
    expect(popup).to_contain_text(str(cells[0].households.count()))
