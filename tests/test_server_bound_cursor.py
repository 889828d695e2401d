"""common.db.server_bound_cursor: statements bound on the server, in Django's transaction, with Django's errors."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from common.db import server_bound_cursor

pytestmark = pytest.mark.django_db


def test_a_server_bound_statement_runs_in_the_callers_transaction_and_fails_as_djangos():
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE t_bound (id int PRIMARY KEY, data bytea) ON COMMIT DROP")
        with server_bound_cursor() as cur:
            cur.execute("INSERT INTO t_bound VALUES (%s, %b)", [1, b"\x00\xff" * 1000])
        with connection.cursor() as cur:  # Django's cursor sees the row: one transaction
            cur.execute("SELECT length(data) FROM t_bound WHERE id = 1")
            assert cur.fetchone()[0] == 2000
        with pytest.raises(IntegrityError), transaction.atomic():
            with server_bound_cursor() as cur:
                cur.execute("INSERT INTO t_bound VALUES (%s, %b)", [1, b""])
    with pytest.raises(DatabaseError):
        with server_bound_cursor() as cur:
            cur.execute("SELECT * FROM no_such_table_here")
    assert connection.errors_occurred  # checked at the end of the request: a broken connection is closed
