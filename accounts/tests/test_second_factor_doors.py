"""The second factor through every door (login page, admin, API, HTTP Basic), and the audit trail naming the actor
of every write whatever the way in."""

import base64

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, Role
from grids.models import Household
from grids.tests.factories import make_cells, make_community, point

pytestmark = pytest.mark.django_db
PASSWORD = "x-long-password-1"
PHONE = "13812341234"


@pytest.fixture
def world():
    call_command("setup_roles", verbosity=0)
    community = make_community()
    make_cells(community, 1, 1)
    household = Household.objects.create(head_name="张三丰", phone=PHONE, location=point(50, 50), room="101")
    boss = User.objects.create_user("boss", password=PASSWORD)
    Membership.objects.create(user=boss, role=Role.MANAGER, community=community)
    device = TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    return {"boss": boss, "device": device, "household": household}


def code(device):
    device.refresh_from_db()
    device.throttle_reset()
    return f"{totp(device.bin_key):06d}"


def basic(username, password):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def test_http_basic_with_the_password_alone_reads_nothing(client, world):
    resp = client.get("/api/v1/households/?reveal=1", **basic("boss", PASSWORD))
    assert resp.status_code in (401, 403)
    assert PHONE not in resp.content.decode()


def test_http_basic_writes_nothing(client, world):
    h = world["household"]
    resp = client.patch(
        f"/api/v1/households/{h.pk}/",
        {"properties": {"residents": 9}},
        content_type="application/json",
        **basic("boss", PASSWORD),
    )
    assert resp.status_code in (401, 403)
    h.refresh_from_db()
    assert h.residents != 9


def test_login_page_asks_for_the_code(client, world):
    resp = client.post("/accounts/login/", {"username": "boss", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert resp.status_code == 200
    resp = client.post(
        "/accounts/login/", {"username": "boss", "password": PASSWORD, "otp_token": code(world["device"])}
    )
    assert resp.status_code == 302 and client.session["_auth_user_id"] == str(world["boss"].pk)
    data = client.get("/api/v1/households/?reveal=1").json()
    assert data["features"][0]["properties"]["phone"] == PHONE


def test_a_session_without_the_code_is_signed_out_on_every_door(client, world):
    """A session made without the code (another login path, or from before the device was enrolled)."""
    for path, api in (
        ("/api/v1/households/?reveal=1", True),
        (f"/grids/household/{world['household'].pk}/?reveal=1", False),
        ("/admin/", False),
    ):
        client.force_login(world["boss"])
        resp = client.get(path)
        assert PHONE not in resp.content.decode(), path
        if api:
            assert resp.status_code == 403
        else:
            assert resp.status_code == 302 and "/accounts/login/" in resp["Location"], path
        assert "_auth_user_id" not in client.session, path


def test_the_admin_login_is_the_login_page_with_its_code(client, world):
    world["boss"].is_staff = world["boss"].is_superuser = True
    world["boss"].save()
    resp = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")
    client.post("/accounts/login/", {"username": "boss", "password": PASSWORD, "otp_token": code(world["device"])})
    assert client.get("/admin/").status_code == 200


def test_an_administrator_without_an_authenticator_enrols_before_the_admin(client, world):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(admin)
    resp = client.get("/admin/", follow=True)
    assert resp.redirect_chain[-1][0].startswith("/accounts/two-factor/")


def test_staff_who_are_not_administrators_do_not_enter_the_admin(client, world):
    staff = User.objects.create_user("clerk", password=PASSWORD, is_staff=True)
    Membership.objects.create(user=staff, role=Role.MANAGER, community=world["household"].community)
    client.force_login(staff)
    assert client.get("/admin/grids/household/").status_code == 302


def test_audit_rows_name_the_actor_of_api_writes(client, world):
    client.post("/accounts/login/", {"username": "boss", "password": PASSWORD, "otp_token": code(world["device"])})
    h = world["household"]
    resp = client.patch(
        f"/api/v1/households/{h.pk}/", {"properties": {"residents": 7}}, content_type="application/json"
    )
    assert resp.status_code == 200
    entry = LogEntry.objects.get_for_object(h).order_by("-timestamp").first()
    assert entry.actor == world["boss"]
    assert str(entry.changes_dict["residents"][-1]) == "7"
