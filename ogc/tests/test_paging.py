"""Paging of /ogc/ items by key: following the next links reads every feature the reader may see exactly once (also
with bbox and property filters, and while rows are added and removed between two requests), the prev links lead
back, and numberMatched is given on the first page only. World: ogc/tests/world.py."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon
from django.test import Client

from accounts import policy
from grids.models import Building
from ogc.tests.world import build_city, footprint

pytestmark = pytest.mark.django_db

ITEMS = "/ogc/collections/buildings/items"


@pytest.fixture
def city(db):
    return build_city(buildings=(60, 55))


@pytest.fixture
def admin(db, django_user_model):
    user = django_user_model.objects.create_superuser("ogc_paging_admin", password="x-long-password-1")
    client = Client()
    client.force_login(user)
    return client


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def get_page(client, url):
    answer = client.get(url, headers={"accept": "application/geo+json"})
    assert answer.status_code == 200, answer.content[:300]
    return json.loads(answer.content)


def href(page, rel):
    return next((link["href"] for link in page["links"] if link["rel"] == rel), None)


def follow(client, url, rel="next"):
    """Every page from url on along the rel links: [page, …]."""
    pages = []
    while url:
        pages.append(get_page(client, url))
        url = href(pages[-1], rel)
        assert len(pages) < 100, "the links go round in circles"
    return pages


def ids_of(pages):
    return [f["id"] for page in pages for f in page["features"]]


def test_next_links_read_every_feature_the_reader_may_see_once_and_prev_links_lead_back(city):
    worker = signed_in(city["worker"])
    expected = set(policy.scope(city["worker"], "view", Building.objects.all()).values_list("pk", flat=True))
    assert len(expected) == 115

    pages = follow(worker, f"{ITEMS}?limit=7")
    read = ids_of(pages)
    assert len(read) == len(set(read)) and set(read) == expected
    assert [p["numberReturned"] for p in pages] == [7] * 16 + [3]
    assert pages[0]["numberMatched"] == 115 and all("numberMatched" not in p for p in pages[1:])
    for page in pages[:-1]:
        query = parse_qs(urlsplit(href(page, "next")).query)
        assert "after" in query and "offset" not in query and query["limit"] == ["7"]
    assert href(pages[0], "prev") is None and href(pages[-1], "next") is None

    back = follow(worker, href(pages[-1], "prev"), rel="prev")  # from the last page back to the first
    assert [p["features"] for p in back] == [p["features"] for p in pages[-2::-1]]
    assert href(back[-1], "prev") is None

    offset = get_page(worker, f"{ITEMS}?limit=7&offset=14")  # clients that send offset still get it
    assert offset["features"] == pages[2]["features"] and offset["numberMatched"] == 115
    html = worker.get(href(pages[1], "next") + "&f=html")
    assert html.status_code == 200 and pages[2]["features"][0]["properties"]["name"] in html.content.decode()


def test_next_links_keep_the_bbox_and_property_filters(city, admin):
    x0, y0, x1, y1 = Building.objects.aggregate(e=Extent("footprint"))["e"]
    lower = (x0, y0, x1, (y0 + y1) / 2)  # the southern half of both communities' buildings
    box = Polygon.from_bbox(lower)
    box.srid = 4326
    in_box = Building.objects.filter(footprint__intersects=box)
    expected = set(in_box.filter(storeys=6).values_list("pk", flat=True))
    assert 0 < len(expected) < in_box.count() and len(expected) < Building.objects.filter(storeys=6).count()

    bbox = ",".join(str(v) for v in lower)
    pages = follow(admin, f"{ITEMS}?limit=4&bbox={bbox}&storeys=6")
    read = ids_of(pages)
    assert len(read) == len(set(read)) and set(read) == expected
    assert pages[0]["numberMatched"] == len(expected) and len(pages) > 2
    for page in pages[1:]:
        query = parse_qs(urlsplit(page["links"][0]["href"]).query)
        assert query["bbox"] == [bbox] and query["storeys"] == ["6"]


def test_rows_added_and_removed_between_two_requests_are_neither_read_twice_nor_skipped(city, admin):
    before = set(Building.objects.values_list("pk", flat=True))
    first = get_page(admin, f"{ITEMS}?limit=10")
    second = get_page(admin, href(first, "next"))
    # Between two requests: a feature already read goes away, new ones arrive (an offset would now skip one).
    Building.objects.filter(pk=first["features"][0]["id"]).delete()
    added = {
        Building.objects.create(name=f"新{i}", footprint=footprint(20 + i * 40, 700), storeys=6).pk for i in range(3)
    }
    rest = follow(admin, href(second, "next"))
    read = ids_of([first, second, *rest])
    assert len(read) == len(set(read)) and set(read) == before | added
    assert Building.objects.count() == len(before) - 1 + len(added)
