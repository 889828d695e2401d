"""Property-based requests generated from the OpenAPI schema (schemathesis): no operation answers with a 500,
anonymous or as an administrator sending whatever the schema allows."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from gridwork.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def keep_test_connection():
    """The WSGI handler closes the database connection after each request; the test transaction needs it open
    (Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("fuzz-admin", password="x-long-password-1")


@pytest.fixture
def city(db):
    from grids.tests.factories import make_cells, make_community, make_households

    community = make_community()
    make_cells(community, 2, 1)
    make_households(community, 5)


@pytest.mark.django_db
@schema.parametrize()
# Random generation only (the schema-driven coverage phase would multiply the run time by ten).
@settings(max_examples=4, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, admin, city):
    from common.testing import session_headers

    # The API takes browser sessions only (HTTP Basic would skip the second factor).
    case.call_and_validate(headers=session_headers(admin), checks=[not_a_server_error])
