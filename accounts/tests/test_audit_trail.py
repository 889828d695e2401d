"""Every create, update and delete of a domain record is kept with who, when and before/after — after deletion too,
with personal fields masked."""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User

from grids.models import Household
from grids.tests.factories import make_cells, make_community, point

pytestmark = pytest.mark.django_db


def test_changes_are_kept_with_actor_and_survive_deletion(client):
    community = make_community()
    make_cells(community, 1, 1)
    admin = User.objects.create_superuser("admin", password="x-long-password-1")
    client.force_login(admin)
    h = Household.objects.create(head_name="张三丰", phone="13812341234", location=point(10, 10), room="101")
    resp = client.patch(
        f"/api/v1/households/{h.pk}/",
        {"properties": {"residents": 4, "phone": "13900001111"}},
        content_type="application/json",
    )
    assert resp.status_code == 200
    assert client.delete(f"/api/v1/households/{h.pk}/").status_code == 204
    entries = LogEntry.objects.get_for_model(Household).filter(object_pk=str(h.pk)).order_by("timestamp")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE]
    update = entries[1]
    assert update.actor == admin
    assert [str(v) for v in update.changes_dict["residents"]] == ["1", "4"]
    text = json.dumps([e.changes_dict for e in entries], ensure_ascii=False)
    assert "13812341234" not in text and "13900001111" not in text and "张三丰" not in text
    assert "139****1111" in text

    page = client.get(f"/accounts/audit/grids.household/{h.pk}/").content.decode()
    assert page.count("<tr>") == 4  # header + 3 entries, though the record is gone
    csv = client.get("/accounts/audit/export.csv?model=grids.household").content.decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == 4 and "admin" in csv


def test_history_is_for_auditors_only(client):
    client.force_login(User.objects.create_user("someone", password="x-long-password-1"))
    assert client.get("/accounts/audit/export.csv").status_code == 403
