"""Audit trail of domain records with django-auditlog: who, when, before/after of every create, update and
delete. Personal fields are masked in the trail like everywhere else."""

from django.apps import apps
from django.conf import settings


def register_domain_models():
    from auditlog.registry import auditlog

    for label in getattr(settings, "AUDITED_APPS", []):
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if auditlog.contains(model) or model._meta.label in settings.AUDIT_EXCLUDE:
                continue
            personal = list(getattr(model, "PERSONAL_FIELDS", {}))
            auditlog.register(model, mask_fields=personal, exclude_fields=["created_at", "updated_at"])
