"""System checks of the project's own settings (run by `manage.py check`, `migrate` and every server start)."""

import re

from django.conf import settings
from django.core.checks import Error, register

# django-ratelimit's rate: count/[number]unit, unit one of s m h d in lower case ("600/M" or "600" would be read as
# per second, or fail only when the first request is counted).
RATE = re.compile(r"[0-9]+/[0-9]*[smhd]")
RATES = {"PUBLIC_WRITE_RATE": False, "TOKEN_FAILURE_RATE": False, "OPEN311_CLIENT_RATE": True}  # name: may be empty


@register()
def rates(app_configs, **kwargs):
    errors = []
    for name, may_be_empty in RATES.items():
        value = getattr(settings, name, None)
        if may_be_empty and not value:
            continue
        if not isinstance(value, str) or not RATE.fullmatch(value):
            errors.append(
                Error(
                    f"{name} = {value!r} is not a rate: count/period with the period in s, m, h or d (e.g. 600/m).",
                    id="gridwork.E001",
                )
            )
    return errors
