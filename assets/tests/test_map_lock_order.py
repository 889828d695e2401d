"""Two editors of facilities at once: one saves facility A and then B in one transaction while the other saves B.
The second queues for the public map clusters' lock before it locks B's row (assets 0007), so both commit, in turn;
with the lock taken after the row locks, PostgreSQL aborted one of them (deadlock detected)."""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from assets import map_clusters
from assets.models import Asset
from assets.tests.helpers import make_asset

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_on_advisory_lock(pid):
    with connection.cursor() as cur:
        cur.execute("SELECT wait_event FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cur.fetchone()
    return bool(row) and row[0] == "advisory"


def test_two_editors_of_the_same_facilities_both_commit(types, town):
    a = make_asset(types, "0101", 10, 10, name="A")
    b = make_asset(types, "0101", 20, 20, name="B")
    map_clusters.rebuild()
    errors, pids = [], {}
    a_saved, second_waits = threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                Asset.objects.filter(pk=a.pk).update(open_for_adoption=True)
                a_saved.set()
                assert second_waits.wait(60), "the second editor never queued"
                Asset.objects.filter(pk=b.pk).update(name="B1", open_for_adoption=True)
        except DatabaseError as exc:
            errors.append(("first", str(exc).splitlines()[0]))
        finally:
            connections.close_all()

    def second():
        try:
            assert a_saved.wait(60)
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pids["second"] = cur.fetchone()[0]
            with transaction.atomic():
                Asset.objects.filter(pk=b.pk).update(name="B2", open_for_adoption=True)
        except DatabaseError as exc:
            errors.append(("second", str(exc).splitlines()[0]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    # The second editor is queued behind the first (its statement waits on the clusters' lock) before the first
    # goes on to B: a condition, not a pause.
    for _ in range(6000):
        if "second" in pids and waiting_on_advisory_lock(pids["second"]):
            second_waits.set()
            break
        threading.Event().wait(0.01)
    for t in threads:
        t.join(120)
    assert second_waits.is_set(), "the second editor did not wait for the clusters' lock"
    assert errors == [], errors
    b.refresh_from_db()
    assert b.name == "B2" and b.open_for_adoption is True  # the second editor committed after the first
    # And the clusters still add up to the facilities.
    with connection.cursor() as cur:
        cur.execute(f"SELECT sum(n_offered) FROM {map_clusters.CLUSTER_TABLE} WHERE z = 0")
        assert cur.fetchone()[0] == Asset.objects.filter(open_for_adoption=True, type__public=True).count()
