"""Malformed keys on /ogc/ items are 400s (never 500), and a blank key is a first page that counts numberMatched."""

import pytest
from django.test import Client

from ogc.tests.world import build_city

pytestmark = pytest.mark.django_db
ITEMS = "/ogc/collections/buildings/items"


@pytest.fixture
def city(db, django_user_model):
    build_city(buildings=(6, 5))
    client = Client(raise_request_exception=False)
    client.force_login(django_user_model.objects.create_superuser("ogc_keys_admin", password="x-long-password-1"))
    return client


@pytest.mark.parametrize(
    "query",
    [
        "after=NaN",
        "after=1e400",
        "after=-1",
        "after=abc",
        "after=99999999999999999999",
        "before=0",
        "before=-5",
        "after=1&before=5",
        "after=1.5",
        "after=%00",
        "before=" + "9" * 5000,
        "after=0x10",
    ],
)
def test_malformed_keys_are_400(city, query):
    r = city.get(f"{ITEMS}?{query}&f=json")
    assert r.status_code == 400, (query, r.status_code)


def test_first_page_with_an_empty_key_still_counts(city):
    r = city.get(f"{ITEMS}?after=&f=json")
    assert r.status_code == 200 and "numberMatched" in r.json()
