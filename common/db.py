"""A psycopg cursor of Django's own connection for statements Django's cursor cannot send as wanted: parameters
bound on the server (a binary parameter of several MB, a statement prepared once per connection)."""

import contextlib

import psycopg
from django.db import connections


@contextlib.contextmanager
def server_bound_cursor(using="default"):
    """A psycopg cursor on `using`'s connection, in its current transaction. Errors come out as Django's (and mark
    the connection as Django's own cursor does, so a broken one is closed at the end of the request)."""
    connection = connections[using]
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor
