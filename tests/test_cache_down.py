"""With the shared cache (Redis) down or silent, requests are answered without it (common/cache.py): a signed-in page
with its inbox badge, a rate-limited report, an Open311 post, a public tile and the dashboard, not a 500. Against a
real closed port and a real listener that never answers, not a mock."""

import socket
import threading

import pytest
from django.core.cache import caches
from django.test import override_settings

from cases.models import Case, Open311Client
from cases.tests.factories import place, report_form
from grids.tests.factories import point

pytestmark = pytest.mark.django_db


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent():
    """A listener that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def redis_at(port):
    return {
        "default": {
            "BACKEND": "common.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }


def within(seconds, fn):
    """fn() run in a thread; its result, or a failure if it has not returned after `seconds` (it hangs)."""
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("value", fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the cache call hangs"
    return out["value"]


@pytest.mark.parametrize("where", ["closed", "silent"])
def test_every_call_of_an_unavailable_cache_answers_as_an_empty_cache(where, silent):
    port = closed_port() if where == "closed" else silent
    with override_settings(CACHES=redis_at(port)):
        cache = caches["default"]
        assert within(30, lambda: cache.get("k", "default")) == "default"
        assert within(30, lambda: cache.add("k", 1)) is False
        within(30, lambda: cache.set("k", 1))
        assert within(30, lambda: cache.get_many(["k", "l"])) == {}
        assert within(30, lambda: cache.set_many({"k": 1})) == ["k"]
        assert within(30, lambda: cache.delete("k")) is False
        with pytest.raises(ValueError):
            cache.incr("k")


def test_pages_forms_open311_and_tiles_answer_with_the_cache_down(client, django_user_model, settings):
    settings.DASHBOARD_CACHE_SECONDS = 300
    settings.OPEN311_CLIENT_RATE = "600/m"
    _, west, _, worker = place(django_user_model)
    admin = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    key = Open311Client.objects.create(name="市民热线").api_key
    with override_settings(CACHES=redis_at(closed_port())):
        client.force_login(worker)
        assert client.get("/field/").status_code == 200  # the navigation's inbox badge reads the cache
        sent = client.post("/cases/report/", report_form(), HTTP_ACCEPT="application/json")
        assert sent.status_code == 201, sent.content  # rate-limited per address
        client.logout()
        p = point(150, 150)
        data = {"api_key": key, "service_code": "0101", "lat": p.y, "long": p.x, "description": "井盖丢了"}
        assert client.post("/open311/v2/requests.json", data).status_code == 201
        assert client.get("/tiles/gridcell/12/3300/1700.pbf").status_code in (200, 204)
        client.force_login(admin)
        district = west.community.street.district_id
        assert client.get(f"/cogov/dashboard/district/{district}/").status_code == 200
    assert Case.objects.count() == 2
