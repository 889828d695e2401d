"""Login: lockout after repeated failures, TOTP second factor once enrolled, sessions that expire."""

import base64
import re

import pytest
from django.contrib.auth.models import User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "x-long-password-1"


def attempt(client, password, token=""):
    return client.post("/accounts/login/", {"username": "boss", "password": password, "otp_token": token})


@pytest.fixture
def boss():
    return User.objects.create_user("boss", password=PASSWORD, is_staff=True)


def test_correct_password_logs_in_and_the_session_expires(client, boss, settings):
    resp = attempt(client, PASSWORD)
    assert resp.status_code == 302
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert client.session.get_expire_at_browser_close()


def test_signing_out_clears_what_the_site_kept_in_the_browser(client, boss):
    """A shared phone: the field workspace's offline copies and queue go with the session."""
    client.force_login(boss)
    resp = client.post("/accounts/logout/")
    assert resp.status_code in (200, 302)
    assert resp["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, boss, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong-password").status_code == 200
    assert attempt(client, "wrong-password").status_code == 429  # the limit is reached
    locked = attempt(client, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_enrolled_second_factor_is_required(client, boss):
    device = TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    resp = attempt(client, PASSWORD)
    assert resp.status_code == 200 and "_auth_user_id" not in client.session
    resp = attempt(client, PASSWORD, token="000000" if totp(device.bin_key) != 0 else "111111")
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    device.throttle_reset()  # a failed code throttles the next try for a second
    resp = attempt(client, PASSWORD, token=f"{totp(device.bin_key):06d}")
    assert resp.status_code == 302 and client.session["_auth_user_id"] == str(boss.pk)


def test_manager_enrols_an_authenticator(client, boss):
    client.force_login(boss)
    page = client.get("/accounts/two-factor/").content.decode()
    qr = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert qr and b"<svg" in base64.b64decode(qr.group(1))
    device = TOTPDevice.objects.get(user=boss, confirmed=False)
    resp = client.post("/accounts/two-factor/", {"token": f"{totp(device.bin_key):06d}"})
    assert resp.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_security_headers_and_csp(client):
    resp = client.get("/grids/map/")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
