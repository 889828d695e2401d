"""The rates of the rate limits are checked when the app starts (common/checks.py): a rate django-ratelimit would
read otherwise than meant ("600/M" as per second) or only fail on at the first request ("600") stops the start."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


@pytest.mark.parametrize("name", ["PUBLIC_WRITE_RATE", "TOKEN_FAILURE_RATE", "OPEN311_CLIENT_RATE"])
@pytest.mark.parametrize("bad", ["600", "600/M", "600/ m", "ten/m", "600/m;", None])
def test_a_malformed_rate_stops_the_start(settings, name, bad):
    setattr(settings, name, bad)
    if bad is None and name == "OPEN311_CLIENT_RATE":
        call_command("check")  # no limit for Open311 partners is allowed
        return
    with pytest.raises(SystemCheckError, match=name):
        call_command("check")


def test_the_project_rates_and_an_empty_open311_rate_pass(settings):
    call_command("check")
    settings.OPEN311_CLIENT_RATE = ""
    settings.PUBLIC_WRITE_RATE = "20/h"
    settings.TOKEN_FAILURE_RATE = "5/30s"
    call_command("check")
