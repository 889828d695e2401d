"""What one report costs the database, and that it is written whole or not at all: the case, its first step and their
audit entries in one transaction, routed as before."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, Open311Client
from cases.tests.factories import place
from grids.models import GridAssignment
from grids.tests.factories import point

pytestmark = pytest.mark.django_db

# client, category, cell with its primary worker, the case and its first step, their audit entries; the savepoint
# pair of the test's transaction (BEGIN / COMMIT in a request).
OPEN311_QUERIES = 7


def primary_worker_id(cell):
    """The cell's primary grid worker today, read on its own (what Case.place finds with the cell in one query)."""
    return (
        GridAssignment.objects.active_on(timezone.localdate())
        .filter(cell=cell)
        .primary_first()
        .values_list("worker_id", flat=True)
        .first()
    )


@pytest.fixture
def scene(django_user_model):
    return place(django_user_model), Open311Client.objects.create(name="市民热线")


def post(client, key, p, description="路口垃圾没人清"):
    return client.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "0101", "lat": p.y, "long": p.x, "description": description,
         "first_name": "张", "phone": "13812345678"},
    )  # fmt: skip


def test_an_open311_report_takes_a_bounded_number_of_queries_and_is_routed_and_audited(client, scene):
    _, key = scene
    p = point(100, 100)
    assert post(client, key.api_key, p, "first").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = post(client, key.api_key, p)
    assert response.status_code == 201, response.content
    assert len(queries.captured_queries) == OPEN311_QUERIES, [q["sql"][:120] for q in queries.captured_queries]
    case = Case.objects.get(pk=int(response.json()[0]["service_request_id"]))
    # routed as on a save: its cell, community and the cell's primary grid worker
    primary = GridAssignment.objects.filter(cell=case.cell, role="primary").values_list("worker_id", flat=True)
    assert case.cell is not None and case.community_id == case.cell.community_id
    assert case.grid_worker_id == primary_worker_id(case.cell) and case.grid_worker_id in [*primary, None]
    (event,) = CaseEvent.objects.of_case(case)
    assert (event.action, event.to_state, event.at) == ("report", "reported", case.created_at)
    # audited as auditlog writes a create: both records, the contact masked
    types = ContentType.objects.get_for_models(Case, CaseEvent)
    entries = [
        *LogEntry.objects.filter(content_type=types[Case], object_id=case.pk, action=LogEntry.Action.CREATE),
        *LogEntry.objects.filter(content_type=types[CaseEvent], object_id=event.pk, action=LogEntry.Action.CREATE),
    ]
    by_type = {e.content_type.model_class(): e for e in entries}
    assert len(by_type) == len(entries)  # one entry each
    assert set(by_type) == {Case, CaseEvent}
    changes = by_type[Case].changes_dict
    assert changes["description"] == [None, "路口垃圾没人清"] and changes["contact_name"][1] is not None
    assert "13812345678" not in str(changes)
    assert by_type[CaseEvent].changes_dict["to_state"][1] == "reported"


def test_a_failure_while_auditing_leaves_no_case_no_step_and_no_entry(client, scene):
    _, key = scene
    cases, events, entries = Case.objects.count(), CaseEvent.objects.count(), LogEntry.objects.count()
    step_type = ContentType.objects.get_for_model(CaseEvent).pk
    with connection.cursor() as cur:  # the audit refuses the step's entry: the last write of a report
        cur.execute(
            "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.content_type_id = {step_type} THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$"
        )
        cur.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON auditlog_logentry FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()"
        )
    category = services.category_by_code("0101")
    with pytest.raises(DatabaseError, match="audit refused"):
        services.submit(
            services.Report(
                kind="problem", category=category, description="井盖丢了", location=point(100, 100),
                contact_phone="13812345678",
            )
        )  # fmt: skip
    assert (Case.objects.count(), CaseEvent.objects.count(), LogEntry.objects.count()) == (cases, events, entries)
