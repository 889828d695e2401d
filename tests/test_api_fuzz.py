"""Property-based requests generated from the OpenAPI schema (schemathesis) from an anonymous visitor: no operation
answers with a 500 whatever the schema allows. Signed-in roles (an administrator, a grid worker) are fuzzed in
test_schemathesis.py."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from gridwork.wsgi import application
from tests.test_schemathesis import keep_test_connection  # noqa: F401  (autouse: the WSGI handler keeps the test's connection)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


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
def test_no_server_errors_for_a_visitor(case, city):
    response = case.call_and_validate(checks=[not_a_server_error])
    # Nothing personal reaches a visitor, whatever they ask.
    assert "13812345678" not in response.text
