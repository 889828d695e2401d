"""A signed-out report's client id is no key to its case: sent again by another signed-out client with a report of
its own, it does not answer the case's tracking address (for an anonymous case, what lets one rate it), and the id
is not kept in the audit trail (nor its CSV export). The phone's own retry still answers the same case."""

import uuid

import pytest
from auditlog.models import LogEntry
from django.test import Client

from cases.models import Case
from cases.tests.factories import place
from grids.tests.factories import point

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}


def fields(cid, x, y, description, phone):
    here = point(x, y)
    return {
        "kind": "problem",
        "category": "0101",
        "description": description,
        "lon": here.x,
        "lat": here.y,
        "client_id": str(cid),
        "account": "",
        "contact_phone": phone,
    }


def test_a_signed_out_case_id_is_not_kept_in_clear_nor_answers_a_different_report(django_user_model):
    place(django_user_model)
    cid = uuid.uuid4()
    made = Client().post("/cases/report/", fields(cid, 120, 300, "路边垃圾", "13812345678"), **JSON)
    assert made.status_code == 201
    case = Case.objects.get(client_id=cid)
    entry = LogEntry.objects.get_for_object(case).get(action=LogEntry.Action.CREATE)
    leaked = str(cid) in str(entry.changes)
    # someone else, signed out, with the id and a report of their own: nothing of the first case comes back
    other = Client().post("/cases/report/", fields(cid, 400, 100, "别的事", "13900000000"), **JSON)
    answered = case.token in other.content.decode()
    assert not leaked and not answered, {"id in audit trail": leaked, "token answered to a different report": answered}
    again = Client().post("/cases/report/", fields(cid, 120, 300, "路边垃圾", "13812345678"), **JSON)
    assert again.status_code == 200 and case.token in again.content.decode() and Case.objects.count() == 1
