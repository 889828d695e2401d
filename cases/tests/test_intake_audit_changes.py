"""The changes recorded in the audit entries of a new case and its first step (cases.intake.create_changes, with its
per-model plan worked out once) are what django-auditlog's own diff of a new record gives, for reports of every
shape: signed in or not, with a household, an address, a masked contact, a point on a cell edge."""

import pytest
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from cases.intake import create_changes
from cases.models import Case, CaseEvent
from cases.tests.factories import place, report

pytestmark = pytest.mark.django_db


def auditlog_changes(obj):
    names = [f.name for f in obj._meta.concrete_fields]
    return model_instance_diff(
        None, obj, fields_to_check=names, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
    )


def comparable(changes, model):
    """The changes as stored (JSON: lists, not tuples)."""
    return {name: list(values) for name, values in (changes or {}).items()}


def shapes(django_user_model):
    _, west, east, worker = place(django_user_model)
    resident = django_user_model.objects.create_user("jm", first_name="居民", password="x-long-password-1")
    yield report(x=100, y=100)
    yield report(
        x=700, y=300, contact_name="张三", contact_phone="", address="幸福路 12 号", description="  井盖\n丢了 "
    )
    yield report(x=120, y=300, reporter=resident, contact_phone="")
    yield report(x=500, y=250, contact_phone="13900001111")  # on the edge of two cells
    yield report(x=300, y=300, description="x", contact_phone="027-87654321", source="open311:市民热线")
    yield report(x=350, y=200, reporter=AnonymousUser(), contact_name="李", contact_phone="")


def test_the_changes_of_a_new_case_and_its_step_are_auditlogs_own(django_user_model):
    cases = list(shapes(django_user_model))
    assert len({c.pk for c in cases}) == 6
    for case in cases:
        case = Case.objects.get(pk=case.pk)
        event = CaseEvent.objects.of_case(case).get()
        for obj in (case, event):
            mine, theirs = create_changes(obj), auditlog_changes(obj)
            assert comparable(mine, type(obj)) == comparable(theirs, type(obj)), type(obj).__name__
            assert set(mine) == set(theirs)
        # and what was written is the same
        entry = LogEntry.objects.get_for_object(case).get(action=LogEntry.Action.CREATE)
        assert comparable(entry.changes_dict, Case) == comparable(
            {k: list(v) for k, v in auditlog_changes(case).items()}, Case
        )


def test_the_contact_is_masked_in_the_changes(django_user_model):
    _, _, _, _ = place(django_user_model)
    case = report(x=100, y=100, contact_name="王小明", contact_phone="13812345678")
    changes = create_changes(Case.objects.get(pk=case.pk))
    assert "13812345678" not in str(changes) and "王小明" not in str(changes)
    assert changes["contact_phone"][1] is not None and changes["description"] == (None, "路边垃圾堆积")
