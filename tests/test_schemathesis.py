"""Requests generated from the OpenAPI schema (schemathesis) never make a server error, signed in with a session as
an administrator and as a grid worker (a Membership over one cell), for every operation of /api/schema/, reads and
writes alike. Bounded: three random examples per operation, one city and one session per role."""

import pytest
import schemathesis
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from gridwork.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
CSRF = "schemathesisCsrfToken0123456789a"  # 32 characters: a valid unmasked token, sent as cookie and header


@pytest.fixture(autouse=True)
def keep_test_connection():
    """The WSGI handler closes the database connection after each request; the test transaction needs it open."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def sessions(django_user_model):
    """Session cookies of an administrator and of a grid worker of one cell, in a small city."""
    from accounts.models import Membership, Role
    from grids.models import GridAssignment
    from grids.tests.factories import make_cells, make_community, make_households

    call_command("setup_roles", verbosity=0)
    call_command("loaddata", "asset_types", verbosity=0)
    community = make_community()
    cell, _other = make_cells(community, 2, 1)
    make_households(community, 5)
    admin = django_user_model.objects.create_superuser("schema-admin", password="x-long-password-1")
    worker = django_user_model.objects.create_user("schema-worker", password="x-long-password-1")
    Membership.objects.create(user=worker, role=Role.WORKER, cell=cell)
    GridAssignment.objects.create(cell=cell, worker=worker, start="2026-01-01")
    keys = {}
    for name, user in (("admin", admin), ("worker", worker)):
        browser = Client()  # one client per user: both sessions stay open
        browser.force_login(user)
        keys[name] = browser.cookies["sessionid"].value
    return keys


OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def test_the_schema_lists_the_router_and_the_extra_routes():
    labels = {op.label for op in OPERATIONS}
    assert {"GET /api/v1/districts/", "DELETE /api/v1/districts/{id}/", "GET /api/v1/responsibility/"} <= labels


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "worker"])
def test_no_server_errors_for_an_administrator_and_a_grid_worker(sessions, role):
    """Every operation, a few random examples each (one city and one session for the whole run keeps it short)."""
    signed_in = {
        "headers": {"X-CSRFToken": CSRF},
        "cookies": {"sessionid": sessions[role], "csrftoken": CSRF},
    }
    households = next(op for op in OPERATIONS if op.label == "GET /api/v1/households/")
    assert households.Case().call().status_code == 403  # anonymous
    assert households.Case().call(**signed_in).status_code == 200  # the session signs in
    failures = []
    for operation in OPERATIONS:

        @settings(max_examples=3, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(**signed_in, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # a failed check: note it and go on with the other operations
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
