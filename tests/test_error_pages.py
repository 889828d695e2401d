"""Error pages (403, 404, 500) in the site's layout and the reader's language, with a way back; and no navigation
link or button that would lead to a 403."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import path
from django.utils import translation

from accounts.models import Membership, Role
from grids.tests.factories import make_cells, make_community, make_households

PASSWORD = "x-long-password-1"
EN = {"accept-language": "en"}


def boom(request):
    raise RuntimeError("a bug")


# The project's URLs with one view that fails: its handler403/404 come along with the star import.
from grids.tests.factories import in_test_district  # noqa: E402
from gridwork.urls import *  # noqa: E402, F403
from gridwork.urls import urlpatterns as _site  # noqa: E402

urlpatterns = [*_site, path("boom/", boom)]


@pytest.fixture
def people(django_user_model):
    """A community with cells and households; a resident, a department handler and a community manager."""
    call_command("setup_roles", verbosity=0)
    community = make_community()
    cells = make_cells(community, 2, 1)
    household = make_households(community, 3)[0]
    users = {}
    for username, role, area in (
        ("resident", Role.RESIDENT, {"household": household}),
        ("handler", Role.HANDLER, {"department": "区环卫所"}),
        ("manager", Role.MANAGER, {"community": community}),
    ):
        user = django_user_model.objects.create_user(username, first_name=username, password=PASSWORD)
        Membership.objects.create(user=user, role=role, **area)
        users[username] = user
    community.managers.add(users["manager"])
    return community, cells, users


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def nav_links(html):
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_403_in_the_layout_in_both_languages_with_a_way_back(people):
    _community, _cells, users = people
    client = signed_in(users["resident"])
    page = client.get("/cogov/dashboard/", headers={"referer": "http://testserver/grids/map/"})
    assert page.status_code == 403
    html = page.content.decode()
    assert 'lang="zh-hans"' in html and "您无权打开此页面" in html
    assert nav_links(html)  # the site's navigation
    assert re.search(r'<a [^>]*href="http://testserver/grids/map/" id="error-back">← 返回上一页</a>', html)
    assert re.search(r'href="/" id="error-home">首页<', html)

    page = client.get("/cogov/dashboard/", headers=EN)
    html = page.content.decode()
    assert page.status_code == 403 and 'lang="en"' in html
    assert "You may not open this page" in html and "Home page" in html
    assert "error-back" not in html  # no page to go back to
    # A back link only to this site.
    html = client.get("/cogov/dashboard/", headers={**EN, "referer": "https://evil.example/x"}).content.decode()
    assert "evil.example" not in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_in_the_layout_in_both_languages(client):
    page = client.get("/no-such-page/")
    html = page.content.decode()
    assert page.status_code == 404
    assert 'lang="zh-hans"' in html and "找不到该页面" in html and "/no-such-page/" in html
    assert nav_links(html) and 'id="error-home">首页<' in html
    page = client.get("/cases/999999/track-nothing/", headers=EN)
    html = page.content.decode()
    assert page.status_code == 404 and 'lang="en"' in html and "There is no such page" in html
    assert re.search(r'href="/" id="error-home">Home page<', html)


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_500_in_both_languages():
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    html = page.content.decode()
    assert page.status_code == 500
    assert 'lang="zh-hans"' in html and "系统出错了" in html and 'href="/" id="error-home">首页<' in html
    assert "a bug" not in html and "Traceback" not in html
    page = client.get("/boom/", headers=EN)
    html = page.content.decode()
    assert page.status_code == 500 and 'lang="en"' in html and "Something went wrong on our side" in html


def test_500_page_renders_without_request_or_database():
    """No database access here (no django_db mark): any query would fail the test."""
    with translation.override("zh-hans"):
        html = render_to_string("500.html")
    assert "系统出错了" in html and 'href="/"' in html and "gridwork.css" in html
    with translation.override("en"):
        assert "Something went wrong on our side" in render_to_string("500.html")


@pytest.mark.django_db
def test_navigation_shows_no_link_that_answers_403(people, django_user_model):
    community, _cells, users = people
    admin = django_user_model.objects.create_superuser("boss", password=PASSWORD)
    seen = {}
    for name, user in [*users.items(), ("admin", admin)]:
        client = signed_in(user)
        links = nav_links(client.get("/").content.decode())
        seen[name] = {href for href, _label in links}
        for href, label in links:
            assert client.get(href).status_code != 403, (name, label, href)
    for name in ("resident", "handler"):
        assert "/cogov/dashboard/" not in seen[name] and "/layers/imports/" not in seen[name]
        client = signed_in(users[name])
        assert client.get("/cogov/dashboard/").status_code == 403
        assert client.get("/layers/imports/").status_code == 403
    assert "/cogov/dashboard/" in seen["manager"] and "/cogov/dashboard/" in seen["admin"]
    assert "/layers/imports/" in seen["admin"]
    # Anonymous visitors see the public links only; every one of them opens.
    for href, label in nav_links(Client().get("/").content.decode()):
        assert Client().get(href).status_code == 200, (label, href)


@pytest.mark.django_db
def test_split_button_only_for_who_may_split(people, django_user_model):
    community, _cells, users = people
    page = f"/grids/community/{community.pk}/"
    split = f"/grids/community/{community.pk}/split/"
    manager = signed_in(users["manager"])
    assert manager.get(page).status_code == 200
    assert split not in manager.get(page).content.decode()
    assert manager.get(split).status_code == 403

    # A manager who may also remove cells (a split replaces them) gets the button, and the page opens.
    other = django_user_model.objects.create_user("manager2", password=PASSWORD)
    Membership.objects.create(user=other, role=Role.MANAGER, community=community)
    other.user_permissions.add(Permission.objects.get(codename="delete_gridcell"))
    in_test_district(other)
    client = signed_in(other)
    assert split in client.get(page).content.decode()
    assert client.get(split).status_code == 200
