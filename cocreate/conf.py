"""Co-creation settings that differ between cities, read from settings.COCREATE (environment in settings/base.py)."""

from django.conf import settings

DEFAULTS = {
    "PROJECT_SATISFACTION_GATE_PCT": 80,  # share of rating households satisfied or basically, before final acceptance
}


def conf(name):
    return getattr(settings, "COCREATE", {}).get(name, DEFAULTS[name])
