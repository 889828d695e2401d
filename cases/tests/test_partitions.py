"""Case steps partitioned by month: every step is kept whatever its date (a DEFAULT partition), the maintenance
makes the coming months and moves rows out of the default partition, a month's steps are read from that month's
table only, and the migration copies the rows of a populated table."""

import datetime
import io
import re
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases import partitions, workflow
from cases.models import Case, CaseEvent, CasePhoto, State
from cases.tests.factories import jpeg, place, report

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def partition_of(event):
    with connection.cursor() as c:
        c.execute("SELECT tableoid::regclass::text FROM cases_caseevent WHERE id = %s", [event.pk])
        return c.fetchone()[0]


def scanned_tables(queryset):
    """The partitions PostgreSQL's plan for the queryset reads."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as c:
        c.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in c.fetchall())
    return set(re.findall(r" on (cases_caseevent_(?:p\d{6}|default))\b", plan))


@pytest.fixture
def case(django_user_model):
    place(django_user_model)
    return report(photos=[jpeg()])


def test_the_steps_table_is_partitioned_by_month_with_a_default_partition(case):
    assert partitions.is_partitioned()
    # The coming months are kept by the beat (cases.ensure_event_partitions): a database migrated in an earlier
    # month (a test database kept between runs) has them after that job, as a running installation does.
    partitions.ensure()
    names = partitions.existing()
    assert names[partitions.DEFAULT] == "DEFAULT"
    now = timezone.now().astimezone(UTC)
    this_month = partitions.name_for(datetime.date(now.year, now.month, 1))
    three_ahead = partitions.name_for(partitions.add_months(datetime.date(now.year, now.month, 1), 3))
    assert this_month in names and three_ahead in names
    assert partition_of(case.events.get()) == this_month
    assert "FROM ('" in names[this_month]


def test_a_step_dated_beyond_every_month_is_kept_then_moved_into_its_month(case):
    far = datetime.datetime(2041, 5, 17, 8, 30, tzinfo=UTC)
    month = datetime.date(2041, 5, 1)
    name = partitions.name_for(month)
    assert name not in partitions.existing()
    Case.objects.filter(pk=case.pk).update(state=State.HANDLED)
    workflow.perform(case, "verify", case.grid_worker, photos=[jpeg()], now=far)
    step = CaseEvent.objects.get(case=case, action="verify")
    assert step.at == far and partition_of(step) == partitions.DEFAULT

    assert partitions.ensure_month(month) is True
    assert partitions.ensure_month(month) is False  # idempotent
    step = CaseEvent.objects.get(case=case, action="verify")
    assert partition_of(step) == name and step.at == far
    assert partitions.default_rows() == 0
    # The step keeps its photo (the relation holds in Django without a database constraint) and its history place.
    assert CasePhoto.objects.get(event=step).case_id == case.pk
    assert [e.action for e in CaseEvent.objects.of_case(case)] == ["report", "verify"]
    # A month's steps are read from that month's table alone.
    in_may = CaseEvent.objects.filter(at__gte=datetime.datetime(2041, 5, 1, tzinfo=UTC), at__lte=far)
    assert scanned_tables(in_may) == {name}
    assert list(in_may) == [step]


def test_deleting_a_case_removes_its_steps_and_their_photos(case):
    step = case.events.get()
    assert CasePhoto.objects.filter(event=step).count() == 1
    case.delete()
    assert not CaseEvent.objects.filter(pk=step.pk).exists() and not CasePhoto.objects.filter(event_id=step.pk).exists()


def test_the_same_step_id_is_refused_on_another_case(case, django_user_model):
    other = report(x=120, y=100)
    Case.objects.filter(pk__in=[case.pk, other.pk]).update(state=State.HANDLED)
    cid = uuid.uuid4()
    workflow.perform(case, "verify", case.grid_worker, photos=[jpeg()], client_id=cid)
    with pytest.raises(workflow.TransitionError):
        workflow.perform(other, "verify", case.grid_worker, photos=[jpeg()], client_id=cid)
    assert CaseEvent.objects.filter(client_id=cid).count() == 1


def test_the_command_makes_the_coming_months():
    out = io.StringIO()
    call_command("case_partitions", ahead=6, stdout=out)
    now = timezone.now().astimezone(UTC)
    sixth = partitions.name_for(partitions.add_months(datetime.date(now.year, now.month, 1), 6))
    assert sixth in partitions.existing() and f"made {sixth}" in out.getvalue()
    again = io.StringIO()
    call_command("case_partitions", ahead=6, stdout=again)
    assert "made" not in again.getvalue()


def test_the_migration_copies_the_rows_of_a_populated_table(case):
    Case.objects.filter(pk=case.pk).update(state=State.HANDLED)
    workflow.perform(case, "verify", case.grid_worker, photos=[jpeg()], now=datetime.datetime(2019, 3, 2, tzinfo=UTC))
    before = sorted(CaseEvent.objects.values_list("id", "case_id", "action", "at"))
    photos = sorted(CasePhoto.objects.values_list("id", "event_id"))
    with connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own rows are checked now, before the DDL
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0004_case_clock_deadline")])
    assert not partitions.is_partitioned()
    executor.loader.build_graph()
    executor.migrate([("cases", "0005_caseevent_partitions")])
    assert partitions.is_partitioned()
    assert sorted(CaseEvent.objects.values_list("id", "case_id", "action", "at")) == before
    assert sorted(CasePhoto.objects.values_list("id", "event_id")) == photos
    # The 2019 step has its own month, made from the first step's month on; a new step takes the next id.
    march = partitions.name_for(datetime.date(2019, 3, 1))
    assert partition_of(CaseEvent.objects.get(case=case, action="verify")) == march
    new = CaseEvent.objects.create(case=case, action="note", to_state=case.state)
    assert new.pk > max(row[0] for row in before)
