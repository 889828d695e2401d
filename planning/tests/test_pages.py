"""Planner pages, the survey API, resident voting links, and the public plan page with moderated comments."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from grids.models import Household
from grids.tests.factories import in_test_district, make_community
from planning.models import Comment, Item, Stage, Vote
from planning.tests.factories import eligible_setup
from planning.views import resident_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(django_user_model):
    return django_user_model.objects.create_superuser("planner", password="x-long-password-1")


@pytest.fixture
def published(planner):
    c, z, project = eligible_setup(make_community())
    Household.objects.filter(building__compound=c).update(head_name="欧阳秀英", phone="13900001111")
    Item.objects.create(
        project=project,
        name="屋面防水",
        item_class="complete",
        quantity=Decimal("1200"),
        unit="m²",
        cost_estimate=Decimal("360000"),
        fund_government=Decimal("300000"),
    )
    for h in Household.objects.filter(building__compound=c):
        Vote.objects.create(project=project, household=h, choice="agree", channel="resident")
    project.stage, project.published_on = Stage.PUBLICATION, timezone.localdate()
    project.save()
    return project


@pytest.mark.django_db(transaction=True)  # the statistics follow the save once it has committed, before the answer
def test_zone_created_through_the_api_from_compounds_and_shown_with_statistics(client, planner):
    c, _z, _p = eligible_setup(make_community())
    client.force_login(planner)
    res = client.post(
        "/api/v1/zones/",
        {"type": "Feature", "geometry": None, "properties": {"name": "连片", "compound_ids": [c.pk], "buffer_m": 5}},
        content_type="application/json",
    )
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["properties"]["stats"]["households"]["count"] == 9
    assert body["properties"]["compounds"] == [c.pk]
    page = client.get(reverse("planning:zone-detail", args=[body["id"]])).content.decode()
    assert 'data-stat="households">9<' in page and "和平小区" in page
    res = client.post(
        "/api/v1/zones/",
        {"type": "Feature", "geometry": None, "properties": {"name": "空"}},
        content_type="application/json",
    )
    assert res.status_code == 400 and "Draw the zone" in res.content.decode()


def test_preview_saves_nothing(client, planner):
    from planning.models import Zone

    _c, z, _p = eligible_setup(make_community())
    client.force_login(planner)
    res = client.post(
        "/api/v1/zones/preview/",
        {"type": "Feature", "geometry": json.loads(z.boundary.json), "properties": {}},
        content_type="application/json",
    )
    assert res.status_code == 200 and res.json()["stats"]["buildings"]["count"] == 2
    assert Zone.objects.count() == 1


def test_zone_pages_are_for_planners_only(client, django_user_model):
    _c, z, project = eligible_setup(make_community())
    assert client.get(reverse("planning:zone-detail", args=[z.pk])).status_code == 302
    client.force_login(django_user_model.objects.create_user("resident"))
    assert client.get(reverse("planning:zone-detail", args=[z.pk])).status_code == 403
    assert client.get(f"/api/v1/zones/{z.pk}/").status_code in (403, 404)  # outside what they read: not found
    assert client.get(f"/api/v1/renovation-projects/{project.pk}/pending/").status_code == 403


def test_worker_records_a_vote_and_sees_door_plates_only(client, django_user_model):
    c, _z, project = eligible_setup(make_community())
    Household.objects.update(head_name="欧阳秀英", phone="13900001111")
    worker = django_user_model.objects.create_user("worker")
    worker.user_permissions.add(*Permission.objects.filter(codename__in=["add_vote", "view_project"]))
    in_test_district(worker)
    client.force_login(worker)
    pending = client.get(f"/api/v1/renovation-projects/{project.pk}/pending/")
    text = pending.content.decode()
    assert len(pending.json()["features"]) == 9 and "欧阳" not in text and "1390000" not in text
    h = Household.objects.filter(building__compound=c).first()
    assert pending.json()["features"][0]["properties"] == {"door_plate": h.door_plate} or h.door_plate in text
    res = client.post(
        f"/api/v1/renovation-projects/{project.pk}/votes/",
        {"household": h.pk, "choice": "agree"},
        content_type="application/json",
    )
    assert res.status_code == 201 and res.json()["agree"] == 1 and res.json()["voted"] == 1
    assert len(client.get(f"/api/v1/renovation-projects/{project.pk}/pending/").json()["features"]) == 8
    page = client.get(reverse("planning:survey", args=[project.pk])).content.decode()
    assert "欧阳" not in page


def test_resident_votes_with_the_code_on_the_slip(client):
    c, _z, project = eligible_setup(make_community())
    h = Household.objects.filter(building__compound=c).first()
    url = reverse("planning:resident-vote", args=[project.pk, h.pk, resident_code(project.pk, h.pk)])
    assert client.get(reverse("planning:resident-vote", args=[project.pk, h.pk, "0" * 12])).status_code == 404
    assert h.door_plate in client.get(url).content.decode()
    client.post(url, {"choice": "disagree"})
    client.post(url, {"choice": "agree"})
    vote = Vote.objects.get()
    assert (vote.choice, vote.channel, vote.changes) == ("agree", "resident", 1)


def test_public_page_shows_the_plan_without_personal_data(client, published):
    page = client.get(reverse("planning:public-plan", args=[published.pk])).content.decode()
    assert "屋面防水" in page and "360,000" in page  # amounts grouped by thousands
    for personal in ("欧阳", "13900001111", "1390000", "王小明"):
        assert personal not in page
    for h in Household.objects.all():
        assert h.door_plate not in page


def test_unpublished_plans_are_not_public(client):
    _c, _z, project = eligible_setup(make_community())
    assert client.get(reverse("planning:public-plan", args=[project.pk])).status_code == 404


def test_comments_are_moderated_rate_limited_and_close_with_the_period(client, published, planner):
    url = reverse("planning:public-plan", args=[published.pk])
    for i in range(3):
        assert client.post(url, {"text": f"楼道灯也要换 {i}"}).status_code == 302
    assert client.post(url, {"text": "第四条"}).status_code == 429
    assert Comment.objects.count() == 3
    assert "楼道灯也要换" not in client.get(url).content.decode()  # awaiting moderation
    client.force_login(planner)
    first = Comment.objects.first()
    client.post(
        reverse("planning:project-detail", args=[published.pk]),
        {"action": "moderate", "comment": first.pk, "decision": "approve"},
    )
    client.logout()
    assert "楼道灯也要换 0" in client.get(url).content.decode()
    published.published_on = timezone.localdate() - timedelta(days=8)
    published.save()
    client.post(url, {"text": "过期"})
    assert not Comment.objects.filter(text="过期").exists()


def test_project_page_lists_gate_problems_and_advances(client, planner):
    _c, _z, project = eligible_setup(make_community())
    client.force_login(planner)
    url = reverse("planning:project-detail", args=[project.pk])
    for _ in range(3):
        client.post(url, {"action": "advance"})
    page = client.get(url).content.decode()
    assert "is not eligible" in page and "0 of 9 households agree" in page
    client.post(
        url,
        {
            "action": "add_item",
            "name": "增设充电桩",
            "item_class": "complete",
            "quantity": "10",
            "unit": "个",
            "cost_estimate": "50000",
            "fund_residents": "10000",
            "fund_government": "0",
            "fund_utilities": "0",
            "fund_social": "40000",
            "progress_pct": "0",
        },
    )
    assert project.items.get().fund_social == Decimal("40000")


def test_public_list_shows_published_plans_only(client, published):
    from planning.models import Project

    Project.objects.create(zone=published.zone, name="尚未公示的方案")
    page = client.get(reverse("planning:public-plans")).content.decode()
    assert published.name in page and "尚未公示的方案" not in page


def test_progress_is_updated_and_bad_progress_is_refused(client, published, planner):
    client.force_login(planner)
    item = published.items.get()
    url = reverse("planning:project-detail", args=[published.pk])
    client.post(url, {"action": "progress", "item": item.pk, "progress_pct": "40"})
    item.refresh_from_db()
    assert item.progress_pct == 40 and not published.design_changes.exists()
    res = client.post(url, {"action": "progress", "item": item.pk, "progress_pct": "140"}, follow=True)
    item.refresh_from_db()
    assert item.progress_pct == 40 and "less than or equal to 100" in res.content.decode()


def test_bad_api_requests_get_clear_client_errors(client, planner):
    _c, _z, project = eligible_setup(make_community())
    client.force_login(planner)
    assert client.get("/api/v1/renovation-projects/").json()["results"][0]["id"] == project.pk
    assert client.get("/api/v1/renovation-projects/abc/consent/").status_code == 404
    assert client.get(f"/api/v1/renovation-projects/{project.pk}/consent/").json()["households"] == 9
    res = client.post("/api/v1/zones/preview/", {"properties": "x", "geometry": "{}"})  # a form, not a Feature
    assert res.status_code == 400 and "GeoJSON Feature" in res.content.decode()
    res = client.post(
        "/api/v1/zones/preview/",
        {"type": "Feature", "properties": {"compound_ids": [-5]}},
        content_type="application/json",
    )
    assert res.status_code == 400
    assert client.get(f"/api/v1/zones/{_z.pk}/adjacent/?distance=abc").status_code == 400
    assert client.get(f"/api/v1/zones/{_z.pk}/adjacent/?distance=99999").status_code == 400
