"""Co-creation settings that differ between cities, read from settings.COCREATE."""

from django.conf import settings

DEFAULTS = {
    "PROJECT_SATISFACTION_GATE_PCT": 80,  # share of rating households satisfied (or basically) before final acceptance
    "PROJECT_MIN_RATINGS_PCT": 50,  # share of the zone's households that must have rated
}


def conf(name):
    return getattr(settings, "COCREATE", {}).get(name, DEFAULTS[name])
