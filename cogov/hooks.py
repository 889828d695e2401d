"""Automatic points from other apps' verified records.

Other apps earn points for households in one of two ways:

* call ``cogov.services.grant(household, "<rule code>", source=record, by=user)`` where they verify a record
  (a good-deed case verified, a maintenance log accepted …); a record earns its points once per rule;
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
        if household is None:
            return
        from cogov.models import PointRule
        from cogov.services import grant

        rule = PointRule.objects.filter(code=self.rule, active=True).first()
        if rule is None:
            return
        try:
            grant(household, rule, source=instance, quantity=self.quantity(instance))
        except ValidationError as exc:  # cap reached, already granted: the record stays as it is
            log.info("no points for %s %s: %s", self.model, instance.pk, exc.messages[0])


def _attr(path):
    def get(obj):
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    return get


# Records of other apps that earn points automatically once verified. Models that do not exist (their app has not
# landed, or names a field differently) are skipped at start-up.
SOURCES = [
    # cases: a good-deed report (好人好事我来讲) earns points once staff register it (立案 confirms the deed);
    # a rejected or still unchecked report earns nothing.
    SourceHook(
        "cases.Case",
        rule="good-deed",
        verified=lambda c: c.kind == "good_deed" and c.state not in ("reported", "rejected"),
        household=_attr("household"),
    ),
]

_connected = []


def connect_landed_sources(sources=None):
    for hook in sources if sources is not None else SOURCES:
        try:
            model = apps.get_model(hook.model)
        except (LookupError, ValueError):
            continue
        post_save.connect(hook, sender=model, weak=False, dispatch_uid=f"cogov-points-{hook.model}-{hook.rule}")
        _connected.append(hook)
