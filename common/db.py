"""A cursor of Django's own connection for statements Django's cursor cannot send as wanted: parameters bound on the
server (a binary parameter of several MB), statements prepared once per connection."""

import contextlib

import psycopg
from django.db import connections


class _PreparedCursor(psycopg.Cursor):
    """A server-bound psycopg cursor whose statements are prepared on their first run: the connection keeps each
    statement's plan (psycopg keeps up to `prepared_max` per connection) and runs it again without parsing or
    planning."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


@contextlib.contextmanager
def prepared_cursor(using="default"):
    """Django's cursor (execute wrappers, the query log of tests and debug pages, Django's errors) over a server-bound
    psycopg cursor of `using`'s connection, in its current transaction, preparing each statement once per connection.
    For the few statements a hot path runs on every request with new values (Django's own cursor binds values on the
    client, so the server parses and plans each statement anew) and for binary parameters (`%b`: the raw bytes of a
    photo travel as they are, not as a hex literal twice their size inside the SQL text)."""
    connection = connections[using]
    connection.ensure_connection()
    with connection.wrap_database_errors, _PreparedCursor(connection.connection) as raw:
        yield connection._prepare_cursor(raw)
