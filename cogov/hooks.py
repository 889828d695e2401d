"""Automatic points from other apps' verified records.

Other apps earn points for households in one of these ways:

* send a signal at the step that verifies a record and let cogov listen (cases: ``cases.signals.case_registered``,
  a good deed earns its household the "good-deed" rule's points when staff register it — see
  ``good_deed_registered`` below); the step happens once, so the points are granted once;
* call ``cogov.services.grant(household, "<rule code>", source=record, by=user)`` where they verify a record
  (a maintenance log accepted …); a record earns its points once per rule;
* or be listed in SOURCES below: a post_save hook grants the rule's points when ``verified(record)`` becomes
  true and ``household(record)`` names the household. Sources whose app is not installed are skipped.
"""

import logging

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models.signals import post_save

log = logging.getLogger(__name__)


class SourceHook:
    def __init__(self, model, rule, verified, household, quantity=None):
        self.model = model  # "app_label.ModelName"
        self.rule = rule  # PointRule code
        self.verified = verified
        self.household = household
        self.quantity = quantity or (lambda record: 1)

    def __call__(self, sender, instance, raw=False, **kwargs):
        if raw or not self.verified(instance):
            return
        household = self.household(instance)
        if household is not None:
            earn(household, self.rule, instance, self.quantity(instance))


def earn(household, rule_code, record, quantity=1):
    """Grant the points of an active rule for a verified record; a cap reached (or a record that already earned
    them) leaves the record as it is."""
    from cogov.models import PointRule
    from cogov.services import grant

    rule = PointRule.objects.filter(code=rule_code, active=True).first()
    if rule is None:
        return
    try:
        grant(household, rule, source=record, quantity=quantity)
    except ValidationError as exc:
        log.info("no points for %s %s: %s", record._meta.label, record.pk, exc.messages[0])


def good_deed_registered(sender, case, **kwargs):
    """A good-deed report (好人好事我来讲) earns its household the rule's points once staff register it (立案
    confirms the deed); a rejected or still unchecked report earns nothing."""
    if case.kind == "good_deed" and case.household_id is not None:
        earn(case.household, "good-deed", case)


# Records of other apps that earn points automatically once verified. Models that do not exist (their app has not
# landed, or names a field differently) are skipped at start-up.
SOURCES = []

_connected = []


def connect_case_signals():
    from cases.signals import case_registered

    case_registered.connect(good_deed_registered, dispatch_uid="cogov-points-good-deed")


def connect_landed_sources(sources=None):
    for hook in sources if sources is not None else SOURCES:
        try:
            model = apps.get_model(hook.model)
        except (LookupError, ValueError):
            continue
        post_save.connect(hook, sender=model, weak=False, dispatch_uid=f"cogov-points-{hook.model}-{hook.rule}")
        _connected.append(hook)
