"""Monthly partitions of the case steps (cases_caseevent, partitioned by range of `at`; migration 0005).

Each calendar month (UTC) has its own table `cases_caseevent_pYYYYMM`; a step outside every month made so far
lands in `cases_caseevent_default`, so an insert never fails for want of a partition. `ensure()` makes the months
from the current one to `ahead` months later, and moves the rows the default partition holds for a month into
that month's new table first (PostgreSQL refuses to add a partition whose range has rows in the default one).
It runs daily on the Celery beat (cases.tasks.ensure_event_partitions) and by hand with
`manage.py case_partitions`; it is idempotent.

Only the steps are partitioned, not the cases: a PostgreSQL primary key or unique constraint on a partitioned
table must include the partition column, so cases_case(id) could no longer be the target of the foreign keys
that point at it (steps, photos, notifications, ratings, inspections …), and Django 5.2 has no foreign key to a
composite key. The steps are what grows by several rows per case, and nothing but the photos points at a step
(CasePhoto.event keeps its relation in Django, without a database constraint: the photo and its step are written in
one transaction, and the ORM deletes a step's photos with it).
"""

import datetime

from django.db import connection, transaction

TABLE = "cases_caseevent"
DEFAULT = "cases_caseevent_default"
AHEAD_DEFAULT = 3


def month_start(day):
    return datetime.date(day.year, day.month, 1)


def add_months(day, n):
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def name_for(month):
    return f"{TABLE}_p{month:%Y%m}"


def is_partitioned():
    with connection.cursor() as c:
        c.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = c.fetchone()
    return bool(row) and row[0] == "p"


def existing():
    """{partition name: (lower bound text, upper bound text)} of the steps table, the default partition included."""
    with connection.cursor() as c:
        c.execute(
            """
            SELECT child.relname, pg_get_expr(child.relpartbound, child.oid)
              FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid
             WHERE pg_inherits.inhparent = to_regclass(%s)
             ORDER BY child.relname
            """,
            [TABLE],
        )
        return dict(c.fetchall())


def ensure_month(month):
    """Make the partition of `month` (a date on its first day) unless it exists; returns True when it was made.

    Rows of that month already in the default partition are moved into it in the same transaction."""
    name = name_for(month)
    lo, hi = f"{month:%Y-%m-%d} 00:00:00+00", f"{add_months(month, 1):%Y-%m-%d} 00:00:00+00"
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if c.fetchone()[0]:
            return False
        c.execute(f'CREATE TABLE "{name}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
        c.execute(
            f'WITH moved AS (DELETE FROM "{DEFAULT}" WHERE at >= %s AND at < %s RETURNING *) '
            f'INSERT INTO "{name}" SELECT * FROM moved',
            [lo, hi],
        )
        # Bounds written out (DDL takes no parameters); both are made above from a date.
        c.execute(f"ALTER TABLE \"{TABLE}\" ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{lo}') TO ('{hi}')")
    return True


def ensure(ahead=AHEAD_DEFAULT, today=None, since=None):
    """Partitions for every month from `since` (default: this month) to `ahead` months after this one; the names
    of those made."""
    if not is_partitioned():
        return []
    today = today or datetime.datetime.now(datetime.UTC).date()
    month = month_start(since or today)
    last = add_months(month_start(today), ahead)
    made = []
    while month <= last:
        if ensure_month(month):
            made.append(name_for(month))
        month = add_months(month, 1)
    return made


def default_rows():
    with connection.cursor() as c:
        c.execute(f'SELECT count(*) FROM "{DEFAULT}"')
        return c.fetchone()[0]
