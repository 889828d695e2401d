"""A new case is written without save() (cases/intake.py), yet the other post_save receivers are still told, and
what they write in reaction (here an in-app notification, an audited model) is in the audit trail like any write;
the case and its first step have one audit entry each, not two."""

import pytest
from auditlog.models import LogEntry
from django.db.models.signals import post_save

from cases.models import Case, Notification
from cases.tests.factories import place, report

pytestmark = pytest.mark.django_db


def test_a_record_written_by_a_post_save_receiver_of_a_new_case_is_audited(django_user_model):
    _, _, _, worker = place(django_user_model)

    def notify(sender, instance, created, **kwargs):
        if created and instance.grid_worker_id:
            Notification.objects.create(recipient_id=instance.grid_worker_id, case=instance, message="新案件")

    post_save.connect(notify, sender=Case, dispatch_uid="review-notify")
    try:
        case = report(x=100, y=100, contact_phone="13812345678")
    finally:
        post_save.disconnect(sender=Case, dispatch_uid="review-notify")
    note = Notification.objects.get(case=case)
    assert LogEntry.objects.get_for_object(note).filter(action=LogEntry.Action.CREATE).exists()
    assert LogEntry.objects.get_for_object(case).count() == 1
    assert LogEntry.objects.get_for_object(case.events.get()).count() == 1
