"""A photo's raw bytes, kept while the worker re-encodes them, never reach the audit trail: no model holding them
(every concrete PhotoBytes model, whichever app declares it) is registered with auditlog."""

from auditlog.registry import auditlog
from django.apps import apps

from cases.models import PhotoBytes


def test_no_raw_photo_bytes_model_is_audited():
    models = [m for m in apps.get_models() if issubclass(m, PhotoBytes)]
    assert len(models) >= 5, models
    assert [m._meta.label for m in models if auditlog.contains(m)] == []
