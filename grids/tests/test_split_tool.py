"""Split tool: squares clipped to the boundary, or bisection by household count; preview, then save."""

import pytest
from django.contrib.auth.models import User

from grids.models import GridCell, Household
from grids.split import by_households, save_split, square_grid
from grids.tests.factories import make_community, make_households
from grids.topology import check_community

pytestmark = pytest.mark.django_db


def test_square_mode_tiles_the_community_with_squares_of_the_chosen_size():
    community = make_community(width=1000, height=800)
    proposal = square_grid(community, 250)
    # 1000/250 × 800/250 = 4 × 3.2: the 50 m strip along the south edge joins the row above
    assert len(proposal) == 4 * 3
    assert sum(c.area_m2 for c in proposal) == pytest.approx(1000 * 800, rel=1e-6)
    save_split(community, proposal)
    assert check_community(community) == []


def test_square_mode_merges_slivers_into_neighbours():
    community = make_community(width=1000, height=790)  # a 40 m strip stays after 3 rows of 250 m
    proposal = square_grid(community, 250)
    smallest = min(c.area_m2 for c in proposal)
    assert smallest >= 0.25 * 250 * 250
    assert len(proposal) == 12
    save_split(community, proposal)
    assert check_community(community) == []


def test_household_mode_keeps_every_cell_at_or_under_the_limit():
    community = make_community()
    make_households(community, 1000, seed=7)
    proposal = by_households(community, 150)
    assert all(c.households <= 150 for c in proposal)
    assert sum(c.households for c in proposal) == 1000
    assert len(proposal) == 7  # ceil(1000 / 150): cuts share the households out evenly
    save_split(community, proposal)
    assert check_community(community) == []
    assert Household.objects.filter(cell__isnull=True).count() == 0


def test_saving_over_existing_cells_needs_confirmation_and_replaces_them():
    community = make_community()
    make_households(community, 200, seed=3)
    save_split(community, square_grid(community, 500))
    first = set(GridCell.objects.values_list("code", flat=True))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        save_split(community, by_households(community, 50))
    assert set(GridCell.objects.values_list("code", flat=True)) == first
    save_split(community, by_households(community, 50), replace=True)
    assert GridCell.objects.count() == 4
    counts = {c.code: c.households.count() for c in GridCell.objects.all()}
    assert sum(counts.values()) == 200 and max(counts.values()) <= 50


def test_split_page_previews_then_saves(client):
    community = make_community()
    make_households(community, 300, seed=5)
    admin = User.objects.create_superuser("boss", password="x-long-password-1")
    client.force_login(admin)
    url = f"/grids/community/{community.pk}/split/"
    resp = client.post(url, {"mode": "households", "max_households": "100", "action": "preview"})
    assert resp.status_code == 200
    assert resp.content.decode().count("<tr><td>00") == 3
    assert GridCell.objects.count() == 0  # preview saves nothing
    resp = client.post(url, {"mode": "households", "max_households": "100", "action": "save"})
    assert resp.status_code == 302
    assert GridCell.objects.filter(community=community).count() == 3


def test_split_page_reports_bad_parameters(client):
    community = make_community()
    client.force_login(User.objects.create_superuser("boss", password="x-long-password-1"))
    resp = client.post(f"/grids/community/{community.pk}/split/", {"mode": "square", "size": "5", "action": "preview"})
    assert resp.status_code == 200
    assert "20" in resp.content.decode() and GridCell.objects.count() == 0
