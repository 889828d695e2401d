"""Audit trail of domain records with django-auditlog: who, when, before/after of every create, update and
delete. Personal fields are masked in the trail like everywhere else."""

from django.apps import apps
from django.conf import settings


def register_domain_models():
    from auditlog.registry import auditlog

    from accounts.models import AccessToken

    # Tokens made and revoked are in the trail; their digest and each use are not (uses: logger gridwork.tokens).
    if not auditlog.contains(AccessToken):
        auditlog.register(AccessToken, exclude_fields=["digest", "last_used_at", "created_at", "updated_at"])
    models = []
    for label in getattr(settings, "AUDITED_APPS", []):
        try:
            models.extend(apps.get_app_config(label).get_models())
        except LookupError:
            continue
    for label in getattr(settings, "AUDITED_MODELS", []):
        try:
            models.append(apps.get_model(label))
        except LookupError:
            continue
    for model in models:
        # A model may keep itself out of the trail (AUDITED = False: the raw bytes of photos, cases.models.PhotoBytes).
        if (
            auditlog.contains(model)
            or model._meta.label in settings.AUDIT_EXCLUDE
            or not getattr(model, "AUDITED", True)
        ):
            continue
        personal = list(getattr(model, "PERSONAL_FIELDS", {}))
        # A model's AUDIT_EXCLUDE_FIELDS stay out of the trail (e.g. a report's client id, which answers its case).
        excluded = ["created_at", "updated_at", *getattr(model, "AUDIT_EXCLUDE_FIELDS", ())]
        auditlog.register(model, mask_fields=personal, exclude_fields=excluded)
