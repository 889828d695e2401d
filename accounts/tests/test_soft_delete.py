"""Deleting a domain record hides it everywhere but keeps the row, the records pointing at it and its history."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User

from grids.models import Household
from grids.tests.factories import make_cells, make_community, point

pytestmark = pytest.mark.django_db


def test_deleted_household_is_hidden_but_kept(client):
    community = make_community()
    cell = make_cells(community, 1, 1)[0]
    h = Household.objects.create(head_name="张三", location=point(10, 10), room="101")
    client.force_login(User.objects.create_superuser("admin", password="x-long-password-1"))
    assert client.delete(f"/api/v1/households/{h.pk}/").status_code == 204
    assert not Household.objects.filter(pk=h.pk).exists()
    assert client.get(f"/api/v1/households/{h.pk}/").status_code == 404
    assert cell.households.count() == 0
    kept = Household.all_objects.get(pk=h.pk)
    assert kept.deleted_at is not None and kept.head_name == "张三"
    assert LogEntry.objects.get_for_model(Household).filter(object_pk=str(h.pk), action=LogEntry.Action.DELETE).exists()
    kept.restore()
    assert Household.objects.filter(pk=h.pk).exists()


def test_queryset_delete_marks_rows(client):
    community = make_community()
    make_cells(community, 1, 1)
    for i in range(3):
        Household.objects.create(head_name="李四", location=point(10 + i, 10), room=f"10{i}")
    Household.objects.filter(room="101").delete()
    assert Household.objects.count() == 2 and Household.all_objects.count() == 3
