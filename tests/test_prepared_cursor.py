"""common.db.prepared_cursor: statements bound on the server (binary parameters too), in Django's transaction, with
Django's errors, prepared once per connection."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from common.db import prepared_cursor

pytestmark = pytest.mark.django_db


def test_a_prepared_statement_runs_in_the_callers_transaction_and_fails_as_djangos():
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE t_bound (id int PRIMARY KEY, data bytea) ON COMMIT DROP")
        with prepared_cursor() as cur:
            cur.execute("INSERT INTO t_bound VALUES (%s, %b)", [1, b"\x00\xff" * 1000])
        with connection.cursor() as cur:  # Django's cursor sees the row: one transaction
            cur.execute("SELECT length(data) FROM t_bound WHERE id = 1")
            assert cur.fetchone()[0] == 2000
        with pytest.raises(IntegrityError), transaction.atomic():
            with prepared_cursor() as cur:
                cur.execute("INSERT INTO t_bound VALUES (%s, %b)", [1, b""])
    with pytest.raises(DatabaseError):
        with prepared_cursor() as cur:
            cur.execute("SELECT * FROM no_such_table_here")
    assert connection.errors_occurred  # checked at the end of the request: a broken connection is closed


def test_prepared_cursor_prepares_its_statements_once_and_djangos_cursor_none():
    from django.contrib.auth import get_user_model

    def prepared():
        with connection.cursor() as cur:
            cur.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cur.fetchall()]

    before = prepared()
    for _ in range(3):
        with prepared_cursor() as cur:
            cur.execute("SELECT %s::int + 1 AS gridwork_prepared_probe", [41])
            assert cur.fetchone() == (42,)
    list(get_user_model().objects.filter(username="nobody")[:1])  # Django's own query, many times
    list(get_user_model().objects.filter(username="nobody")[:1])
    added = [s for s in prepared() if s not in before]
    assert len([s for s in added if "gridwork_prepared_probe" in s]) == 1, added
    assert not [s for s in added if "auth_user" in s], added
