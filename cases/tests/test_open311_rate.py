"""Open311: one partner system (api_key) may post settings.OPEN311_CLIENT_RATE requests; over it the answer is an
Open311 error 429 with Retry-After and nothing is saved. Another partner is not held back, a request with a wrong
key does not use up a partner's allowance, and an empty rate means no limit."""

import pytest
from django.core.cache import cache

from cases.models import Case, Open311Client
from cases.tests.factories import place
from grids.tests.factories import point

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(django_user_model, settings):
    settings.OPEN311_CLIENT_RATE = "3/m"
    cache.clear()
    place(django_user_model)
    yield Open311Client.objects.create(name="市民热线"), Open311Client.objects.create(name="网格通")
    cache.clear()


def post(client, key, n, fmt="json"):
    p = point(100 + 10 * n, 100)
    data = {"api_key": key, "service_code": "0101", "lat": p.y, "long": p.x, "description": f"井盖丢了 {n}"}
    return client.post(f"/open311/v2/requests.{fmt}", data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_partner_over_its_rate_is_told_to_wait_and_nothing_is_saved(client, partners):
    hotline, other = partners
    assert [post(client, hotline.api_key, n).status_code for n in range(3)] == [201, 201, 201]
    over = post(client, hotline.api_key, 3)
    assert over.status_code == 429, over.content
    (error,) = over.json()
    assert error["code"] == 429 and "api_key" in error["description"]
    assert 1 <= int(over["Retry-After"]) <= 60
    assert post(client, hotline.api_key, 4, fmt="xml").status_code == 429
    assert Case.objects.count() == 3
    # another partner has its own allowance
    assert post(client, other.api_key, 5).status_code == 201
    assert Case.objects.count() == 4


def test_a_wrong_key_does_not_use_up_a_partners_allowance(client, partners):
    hotline, _ = partners
    for n in range(5):
        assert post(client, hotline.api_key[:-1] + "x", n).status_code == 403
    assert [post(client, hotline.api_key, n).status_code for n in range(3)] == [201, 201, 201]


def test_an_empty_rate_is_no_limit(client, partners, settings):
    settings.OPEN311_CLIENT_RATE = ""
    hotline, _ = partners
    assert {post(client, hotline.api_key, n).status_code for n in range(6)} == {201}


def test_with_the_shared_cache_down_reports_are_taken_not_refused(client, partners):
    import socket

    from django.test import override_settings

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = {"default": {"BACKEND": "common.cache.TolerantRedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    hotline, _ = partners
    with override_settings(CACHES=down):
        assert [post(client, hotline.api_key, n).status_code for n in range(4)] == [201, 201, 201, 201]
    assert Case.objects.count() == 4
