"""The lean path of Open311 intake (cases/lean.py): the full stack's answer and audit, without the browser session's
middlewares; no other route takes it."""

from io import BytesIO
from urllib.parse import urlencode

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.lean import SESSION_ONLY, IntakeHandler, is_intake
from cases.models import Case, Open311Client
from cases.tests.factories import place
from cases.tests.test_intake_cost import OPEN311_QUERIES
from common.testing import call_wsgi
from grids.tests.factories import point
from gridwork.lean import with_lean_paths

pytestmark = pytest.mark.django_db

PATH = "/open311/v2/requests.json"


@pytest.fixture
def scene(django_user_model):
    place(django_user_model)
    return Open311Client.objects.create(name="市民热线")


@pytest.fixture
def wsgi():
    """Calls the WSGI application as gridwork/wsgi.py builds it (the lean intake in front of the full stack), the
    way gunicorn does; the test client would use a handler of its own."""
    app = with_lean_paths(WSGIHandler(), (is_intake, IntakeHandler()))

    def call(path, data=None, method="POST", query="", **headers):
        body = urlencode(data or {}).encode()
        environ = {
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": method,
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "203.0.113.7",
            "wsgi.input": BytesIO(body),
        }
        return call_wsgi(app, environ, headers)

    return call


def form(client, **extra):
    p = point(100, 100)
    return {"api_key": client.api_key, "service_code": "0101", "lat": p.y, "long": p.x, "description": "垃圾"} | extra


def test_only_an_open311_post_of_a_new_request_takes_the_lean_path():
    for fmt in ("json", "xml"):
        path = reverse("open311-requests", kwargs={"fmt": fmt})
        assert is_intake({"REQUEST_METHOD": "POST", "PATH_INFO": path})
        assert not is_intake({"REQUEST_METHOD": "GET", "PATH_INFO": path})
    for path in [
        reverse("open311-request", kwargs={"pk": 1, "fmt": "json"}),
        reverse("open311-services", kwargs={"fmt": "json"}),
        "/open311/v2/requests.json/",
        "/open311/v2/requests.jsonx",
        "/open311/v2/requests.json\n",  # %0A, decoded by the server: "$" would have matched before it
        "/x/open311/v2/requests.json",
        "/cases/report/",
        "/api/v1/cases/",
        "/accounts/login/",
    ]:
        assert not is_intake({"REQUEST_METHOD": "POST", "PATH_INFO": path}), path


def test_the_lean_handler_runs_every_middleware_but_the_browser_sessions_in_order():
    handler = IntakeHandler()
    kept = [path for path in settings.MIDDLEWARE if path not in SESSION_ONLY]
    assert handler.middleware_paths() == kept
    for needed in [
        "django.middleware.security.SecurityMiddleware",
        "csp.middleware.CSPMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "auditlog.middleware.AuditlogMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "django_ratelimit.middleware.RatelimitMiddleware",
        "common.params.ParamErrorMiddleware",
        "gridwork.replica.ReplicaMiddleware",
    ]:
        assert needed in kept
    # the rate limits' 429 and the parameter errors' 400 are answered by their middlewares' process_exception
    answering = [m.__self__.__class__.__name__ for m in handler._exception_middleware]
    assert {"RatelimitMiddleware", "ParamErrorMiddleware", "ReplicaMiddleware"} <= set(answering)


def test_a_lean_post_answers_as_the_full_stack_with_its_security_headers(client, wsgi, scene):
    full = client.post(PATH, form(scene, description="full"))
    lean = wsgi(PATH, form(scene, description="lean"))
    assert full.status_code == lean["status"] == 201
    assert set(full.json()[0]) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(pk=int(__import__("json").loads(lean["body"])[0]["service_request_id"]))
    assert (case.description, case.source, case.cell_id is not None) == ("lean", "open311:市民热线", True)
    headers = lean["headers"]
    for name in [
        "Content-Type",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Frame-Options",
        "Content-Security-Policy",
        "Content-Language",
    ]:
        assert headers.get(name) == full.get(name), name
        assert name in headers, name
    assert "Set-Cookie" not in headers and "Cookie" not in headers.get("Vary", "")


def test_a_lean_post_refuses_a_bad_key_and_bad_values_in_the_clients_language(wsgi, scene):
    bad_key = wsgi(PATH, form(scene, api_key="not-a-key"), accept_language="en")
    assert bad_key["status"] == 403 and b"api_key" in bad_key["body"]
    inactive = Open311Client.objects.create(name="旧系统", active=False)
    assert wsgi(PATH, form(inactive))["status"] == 403
    outside = wsgi(PATH, form(scene, lat="10.0", long="10.0"), accept_language="en")
    assert outside["status"] == 400 and b"outside every community" in outside["body"]
    chinese = wsgi(PATH, form(scene, service_code="9999"), accept_language="zh-hans")
    assert chinese["status"] == 404 and b"9999" in chinese["body"]
    assert chinese["headers"]["Content-Language"] == "zh-hans"
    nul = wsgi(PATH, form(scene), query="x=%00")
    assert nul["status"] == 400
    for name in ("api_key", "service_code"):  # a control character in the key or code is a 400, not a 500
        refused = wsgi(PATH, form(scene, **{name: "0101\x00"}), accept_language="en")
        assert refused["status"] == 400 and name.encode() in refused["body"]
    assert Case.objects.count() == 0


def test_a_lean_post_is_audited_with_the_correlation_id_and_the_clients_address(wsgi, scene):
    response = wsgi(PATH, form(scene), x_correlation_id="partner-req-42")
    assert response["status"] == 201
    case = Case.objects.get()
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Case), object_id=case.pk)
    assert (entry.action, entry.cid, entry.remote_addr, entry.actor) == (
        LogEntry.Action.CREATE,
        "partner-req-42",
        "203.0.113.7",
        None,
    )
    assert entry.changes_dict["description"][1] == "垃圾"


def test_a_session_cookie_is_not_read_on_the_lean_path(client, wsgi, scene, django_user_model):
    user = django_user_model.objects.create_user("partner-browser", password="x-long-password-1")
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    with CaptureQueriesContext(connection) as queries:
        response = wsgi(PATH, form(scene), cookie=cookie)
    assert response["status"] == 201
    assert len(queries) == OPEN311_QUERIES  # no session or user read
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Case))
    assert entry.actor is None  # made by the partner (the case's source), not by the browser's user
