"""Renovation rules that differ between cities, read from settings.PLANNING (environment in settings/base.py)."""

from fractions import Fraction

from django.conf import settings

DEFAULTS = {
    "BUILT_BEFORE": 2000,  # built before this year…
    "BUILT_BEFORE_SHARE": 0.5,  # …by this share of the compound's floor area
    "MIN_STOREYS": 2,  # multi-storey: every building has at least this many storeys
    "CONSENT_SHARE": Fraction(2, 3),  # owners agreeing, by households and by floor area
    "FEE_COLLECTION_PCT": 50,  # property-fee collection rate, %
    "DEMOLITION_TOLERANCE_M2": 1.0,  # overlap with a demolition plan below this is drawing noise
    "COMMENTS_PER_HOUR": 3,  # comments on a public plan per visitor address per hour
    "DEMOLITION_LAYERS": ("征收拆迁计划", "demolition plan"),  # overlay layers (layers app) read as demolition plans
}


def conf(name):
    return getattr(settings, "PLANNING", {}).get(name, DEFAULTS[name])
