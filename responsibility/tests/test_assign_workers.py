"""Managers assign grid workers to cells (several at once); history is kept; only managers may do it."""

from datetime import date

import pytest
from django.contrib.auth.models import User

from grids.models import GridAssignment
from grids.tests.factories import make_cells, make_community

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    community = make_community()
    cells = make_cells(community, 2, 2)
    manager = User.objects.create_user("manager", password="x-long-password-1")
    community.managers.add(manager)
    a = User.objects.create_user("wa", first_name="王芳")
    b = User.objects.create_user("wb", first_name="李强")
    return community, cells, manager, a, b


def post(client, cells, worker, start, role="primary", end=None):
    return client.post(
        "/api/v1/assignments/bulk/",
        {"cells": [c.pk for c in cells], "worker": worker.pk, "role": role, "start": start, "end": end},
        content_type="application/json",
    )


def test_manager_assigns_several_cells_and_the_previous_primary_ends(client, setup):
    _community, cells, manager, a, b = setup
    client.force_login(manager)
    assert post(client, cells[:3], a, "2026-01-01").status_code == 201
    assert post(client, cells[:2], b, "2026-03-01").status_code == 201
    on = lambda day: {c.code: [w.first_name for w in c.workers_on(day)] for c in cells}  # noqa: E731
    assert on(date(2026, 2, 1)) == {
        cells[0].code: ["王芳"],
        cells[1].code: ["王芳"],
        cells[2].code: ["王芳"],
        cells[3].code: [],
    }
    assert on(date(2026, 3, 3)) == {
        cells[0].code: ["李强"],
        cells[1].code: ["李强"],
        cells[2].code: ["王芳"],
        cells[3].code: [],
    }
    ended = GridAssignment.objects.get(cell=cells[0], worker=a)
    assert ended.end == date(2026, 2, 28)


def test_helpers_join_without_replacing_the_primary(client, setup):
    _community, cells, manager, a, b = setup
    client.force_login(manager)
    post(client, cells[:1], a, "2026-01-01")
    post(client, cells[:1], b, "2026-02-01", role="helper")
    assert sorted(w.first_name for w in cells[0].workers_on(date(2026, 2, 2))) == ["李强", "王芳"]


def test_history_api_answers_who_held_a_cell_on_a_day(client, setup):
    _community, cells, manager, a, b = setup
    client.force_login(manager)
    post(client, cells[:1], a, "2026-01-01")
    post(client, cells[:1], b, "2026-03-10")
    rows = client.get(f"/api/v1/assignments/?cell={cells[0].pk}&on=2026-03-03").json()["results"]
    assert [r["worker_name"] for r in rows] == ["王芳"]
    cellsdata = client.get(f"/api/v1/cells/?community={cells[0].community_id}&on=2026-03-11").json()
    first = next(f for f in cellsdata["features"] if f["id"] == cells[0].pk)
    assert [w["name"] for w in first["properties"]["workers"]] == ["李强"]


def test_only_managers_of_the_community_assign(client, setup):
    _community, cells, _manager, a, _b = setup
    other = User.objects.create_user("other", password="x-long-password-1")
    client.force_login(other)
    assert post(client, cells[:1], a, "2026-01-01").status_code == 403
    assert GridAssignment.objects.count() == 0
    client.logout()
    assert post(client, cells[:1], a, "2026-01-01").status_code in (401, 403)


def test_bad_dates_are_refused_and_nothing_is_saved(client, setup):
    _community, cells, manager, a, _b = setup
    client.force_login(manager)
    resp = post(client, cells[:2], a, "2026-05-01", end="2026-04-01")
    assert resp.status_code == 400 and GridAssignment.objects.count() == 0
