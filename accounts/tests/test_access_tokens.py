"""Personal access tokens: made on the account page (shown once, kept as a digest), only from a session verified
by the second factor where the role needs one; used as `Authorization: Bearer` on /ogc/ and /api/ with the area
policy, the token's scope, expiry and revocation; bad tokens are rate-limited; HTTP Basic still reads nothing."""

import base64
import hashlib
import json
import logging
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessToken, Membership, Role
from accounts.tokens import make_token
from grids.models import Building
from ogc.tests.world import PASSWORD, build_city, footprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    cache.clear()  # the counters of bad tokens
    return build_city(buildings=(3, 2))


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def feature(x, y, **properties):
    return json.dumps({"type": "Feature", "geometry": json.loads(footprint(x, y).geojson), "properties": properties})


def code(device):
    device.refresh_from_db()
    device.throttle_reset()
    return f"{totp(device.bin_key):06d}"


def make_on_page(client, name, scope="write", expires_on=""):
    resp = client.post("/accounts/tokens/", {"name": name, "scope": scope, "expires_on": expires_on})
    assert resp.status_code == 200, resp.content
    html = resp.content.decode()
    start = html.index("gw_", html.index('id="new-token"'))
    return html[start : html.index("<", start)], html


def test_a_workers_token_edits_features_of_their_own_cell_only(city):
    page = Client()
    page.force_login(city["worker"])
    raw, html = make_on_page(page, "QGIS")
    token = AccessToken.objects.get(user=city["worker"])
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest() and raw not in token.digest
    assert page.get("/accounts/tokens/").content.decode().count(raw) == 0  # shown once
    api = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token: the bearer header alone
    own, other = Building.objects.get(name="A0"), Building.objects.get(name="B0")

    resp = api.post("/ogc/collections/buildings/items", feature(100, 300, name="新楼", storeys=4),
                    content_type="application/geo+json", **bearer(raw))  # fmt: skip
    assert resp.status_code == 201, resp.content
    new = Building.objects.get(name="新楼")
    assert new.storeys == 4 and new.cell == city["a1"]
    resp = api.put(f"/ogc/collections/buildings/items/{own.pk}", feature(20, 20, name="A0改", storeys=7),
                   content_type="application/geo+json", **bearer(raw))  # fmt: skip
    assert resp.status_code == 204, resp.content
    resp = api.patch(f"/ogc/collections/buildings/items/{own.pk}", json.dumps({"type": "Feature", "properties":
                     {"storeys": 9}}), content_type="application/merge-patch+json", **bearer(raw))  # fmt: skip
    assert resp.status_code == 204, resp.content
    own.refresh_from_db()
    assert (own.name, own.storeys) == ("A0改", 9)
    # Grid workers delete no buildings (their role, as on the pages); an administrator's token (made with the code)
    # does.
    assert api.delete(f"/ogc/collections/buildings/items/{new.pk}", **bearer(raw)).status_code == 403
    admin = User.objects.create_user("ogc_admin", password=PASSWORD)
    Membership.objects.create(user=admin, role=Role.ADMIN)
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    _token, admin_raw = make_token(admin, "admin", "write", verified=True)
    assert api.delete(f"/ogc/collections/buildings/items/{new.pk}", **bearer(admin_raw)).status_code == 204
    assert not Building.objects.filter(pk=new.pk).exists()

    # Another community's building: not there for this worker; moving one's own out of the cell is refused.
    for call in (
        api.patch(f"/ogc/collections/buildings/items/{other.pk}", json.dumps({"type": "Feature", "properties":
                  {"storeys": 1}}), content_type="application/merge-patch+json", **bearer(raw)),
        api.delete(f"/ogc/collections/buildings/items/{other.pk}", **bearer(raw)),
    ):  # fmt: skip
        assert call.status_code in (403, 404)
    assert Building.objects.filter(pk=other.pk, storeys=other.storeys).exists()
    resp = api.put(f"/ogc/collections/buildings/items/{own.pk}", feature(3100, 100, name="A0改", storeys=9),
                   content_type="application/geo+json", **bearer(raw))  # fmt: skip
    assert resp.status_code in (403, 404)
    own.refresh_from_db()
    assert own.cell == city["a1"]

    # The audit trail names the worker; the page shows when the token was last used.
    entry = LogEntry.objects.get_for_object(own).order_by("-timestamp").first()
    assert entry.actor == city["worker"]
    assert AccessToken.objects.get(pk=token.pk).last_used_at is not None


def test_revoked_expired_and_unknown_tokens_get_401(city):
    page = Client()
    page.force_login(city["worker"])
    raw, _html = make_on_page(page, "script")
    api = Client()
    assert api.get("/ogc/collections/buildings/items", **bearer(raw)).status_code == 200
    token = AccessToken.objects.get(user=city["worker"])
    page.post(f"/accounts/tokens/{token.pk}/revoke/")
    resp = api.get("/ogc/collections/buildings/items", HTTP_ACCEPT_LANGUAGE="en", **bearer(raw))
    assert resp.status_code == 401 and resp["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in resp.json()["detail"]

    expiring, raw2 = make_token(city["worker"], "old", "write", timezone.now() + timedelta(days=1), verified=False)
    assert api.get("/api/v1/buildings/", **bearer(raw2)).status_code == 200
    AccessToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get("/api/v1/buildings/", **bearer(raw2)).status_code == 401
    assert api.get("/ogc/collections", **bearer("gw_0000_not-a-token")).status_code == 401
    # Another user's token cannot be revoked by this one.
    other, _raw = make_token(city["manager"], "x", "read", verified=True)
    assert page.post(f"/accounts/tokens/{other.pk}/revoke/").status_code == 404
    assert AccessToken.objects.get(pk=other.pk).revoked_at is None


def test_a_read_only_token_reads_but_does_not_write(city):
    page = Client()
    page.force_login(city["worker"])
    raw, _html = make_on_page(page, "viewer", scope="read")
    api = Client()
    resp = api.get("/ogc/collections/buildings/items", **bearer(raw))
    seen = page.get("/ogc/collections/buildings/items").json()["numberMatched"]  # what the worker's session reads
    assert resp.status_code == 200 and resp.json()["numberMatched"] == seen > 0
    resp = api.post("/ogc/collections/buildings/items", feature(100, 300, name="不该有"),
                    content_type="application/geo+json", **bearer(raw))  # fmt: skip
    assert resp.status_code == 403
    own = Building.objects.get(name="A0")
    assert api.delete(f"/ogc/collections/buildings/items/{own.pk}", **bearer(raw)).status_code == 403
    assert not Building.objects.filter(name="不该有").exists() and Building.objects.filter(pk=own.pk).exists()


def test_a_role_that_needs_the_second_factor_makes_tokens_only_from_a_verified_session(city):
    manager = city["manager"]
    page = Client()
    page.force_login(manager)
    # Not enrolled: the page sends them to enrol first and makes nothing.
    html = page.get("/accounts/tokens/").content.decode()
    assert "/accounts/two-factor/" in html and 'id="token-form"' not in html
    assert page.post("/accounts/tokens/", {"name": "x", "scope": "write"}).status_code == 403
    assert not AccessToken.objects.filter(user=manager).exists()
    # A token made before (without the second factor) does not let them in either.
    _token, old = make_token(manager, "old", "read", verified=False)
    assert Client().get("/ogc/collections/buildings/items", **bearer(old)).status_code == 401

    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    # A session without the code is signed out (the second factor's middleware), and makes nothing.
    page.force_login(manager)
    page.post("/accounts/tokens/", {"name": "x", "scope": "write"})
    assert not AccessToken.objects.filter(user=manager, name="x").exists()
    # Signed in with the code: the token is made and reads the staff layers of the manager's community.
    page.post("/accounts/login/", {"username": manager.username, "password": PASSWORD, "otp_token": code(device)})
    raw, _html = make_on_page(page, "QGIS")
    assert AccessToken.objects.get(user=manager, name="QGIS").verified
    resp = Client().get("/ogc/collections/buildings/items", **bearer(raw))
    seen = page.get("/ogc/collections/buildings/items").json()["numberMatched"]
    assert resp.status_code == 200 and resp.json()["numberMatched"] == seen > 0


def test_http_basic_still_bypasses_nothing(city):
    manager = city["manager"]
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    assert device.confirmed
    _token, raw = make_token(manager, "t", "write", verified=True)
    own = Building.objects.get(name="A0")
    for credentials in (f"{manager.username}:{PASSWORD}", f"{manager.username}:{raw}"):
        basic = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}
        api = Client()
        resp = api.get("/ogc/collections/buildings/items", **basic)
        assert resp.status_code == 404  # a staff collection: not there without a verified sign-in
        resp = api.delete(f"/ogc/collections/buildings/items/{own.pk}", **basic)
        assert resp.status_code in (401, 403, 404)
        assert api.get("/api/v1/households/", **basic).status_code in (401, 403)
    assert Building.objects.filter(pk=own.pk).exists()


@override_settings(TOKEN_FAILURE_RATE="5/m")
def test_bad_tokens_are_rate_limited_and_logged_without_the_token(city, caplog):
    _token, good = make_token(city["worker"], "t", "read", verified=False)
    api = Client()
    with caplog.at_level(logging.INFO, logger="gridwork.tokens"):
        assert api.get("/ogc/collections/buildings/items", **bearer(good)).status_code == 200
        answers = [api.get("/ogc/collections", **bearer(f"gw_x_{i}")).status_code for i in range(7)]
    assert answers[:5] == [401] * 5 and answers[5:] == [429, 429]
    # Over the limit, a good token still passes (the junk of one client locks nobody out); bad ones keep waiting.
    assert api.get("/ogc/collections", **bearer(good)).status_code == 200
    assert api.get("/ogc/collections", **bearer("gw_x_8")).status_code == 429
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert _token.prefix in logged and "refused" in logged
    assert good not in logged and "gw_x_1" not in logged


def test_the_token_page_lists_the_users_tokens(city):
    page = Client()
    page.force_login(city["worker"])
    resp = page.post("/accounts/tokens/", {"name": " ", "scope": "write"})
    assert resp.status_code == 200 and 'id="new-token"' not in resp.content.decode()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    resp = page.post("/accounts/tokens/", {"name": "x", "scope": "write", "expires_on": yesterday})
    assert not AccessToken.objects.exists()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    raw, html = make_on_page(page, "笔记本上的 QGIS", expires_on=tomorrow)
    token = AccessToken.objects.get()
    assert token.expires_at.date() >= timezone.localdate()
    listing = page.get("/accounts/tokens/").content.decode()
    assert "笔记本上的 QGIS" in listing and f"gw_{token.prefix}_" in listing and raw not in listing


@override_settings(TOKEN_FAILURE_RATE="5/m", TRUSTED_PROXIES=["172.18.0.5"])
def test_behind_a_trusted_proxy_bad_tokens_count_per_client_not_per_proxy(city):
    _token, good = make_token(city["worker"], "t", "read", verified=False)
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    # A client that writes its own X-Forwarded-For is still told apart by the hop the proxy added (the last one).
    victim = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.7, 198.51.100.20"}
    api = Client()
    answers = [api.get("/ogc/collections", **bearer(f"gw_x_{i}"), **attacker).status_code for i in range(7)]
    assert answers[-1] == 429
    assert api.get("/ogc/collections", **bearer("gw_y"), **victim).status_code == 401  # counted apart
    assert api.get("/ogc/collections/buildings/items", **bearer(good), **victim).status_code == 200
    # Not from a trusted proxy: the header is not believed, the connection's address is the client.
    direct = {"REMOTE_ADDR": "198.51.100.99", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert api.get("/ogc/collections", **bearer("gw_z"), **direct).status_code == 401


def test_a_token_write_is_the_tokens_user_in_the_audit_trail_even_with_another_session(city, django_user_model):
    _token, raw = make_token(city["worker"], "t", "write", verified=False)
    other = django_user_model.objects.create_user("someone_else", password="x-long-password-1")
    api = Client()
    api.force_login(other)
    own = Building.objects.get(name="A0")
    resp = api.patch(
        f"/ogc/collections/buildings/items/{own.pk}",
        data=json.dumps({"type": "Feature", "properties": {"storeys": 11}}),
        content_type="application/merge-patch+json",
        **bearer(raw),
    )
    assert resp.status_code == 204, resp.content
    entry = LogEntry.objects.get_for_object(own).order_by("-timestamp").first()
    assert entry is not None and entry.actor == city["worker"]


def test_tokens_are_taken_on_the_data_apis_only(city):
    _token, raw = make_token(city["worker"], "t", "write", verified=False)
    api = Client()
    assert api.get("/ogc/collections/buildings/items", **bearer(raw)).status_code == 200
    # The field workspace's endpoints answer sessions only: a token there is no sign-in.
    assert api.get("/field/data.json", **bearer(raw)).status_code in (302, 401, 403)
    resp = api.post("/inspections/api/results/", {}, **bearer(raw))
    assert resp.status_code in (401, 403)
