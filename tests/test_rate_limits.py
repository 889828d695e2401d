"""Public write endpoints answer 429 past the rate limit, per client address."""

import pytest
from django.core.cache import cache
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(PUBLIC_WRITE_RATE="3/h")
def test_public_report_form_is_rate_limited(client):
    cache.clear()
    statuses = [client.post("/cases/report/", {"description": "x"}).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]  # the form answers (with its errors) while under the limit
    assert statuses[3] == 429
    other = client.post("/cases/report/", {"description": "x"}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200  # another address has its own budget
    cache.clear()
