"""Case steps partitioned by month vs one table: five years of generated steps, the same rows in both layouts.

Both tables have the columns and indexes of cases_caseevent (the partitioned one as migration cases/0005 makes
it: monthly partitions, a DEFAULT partition, key (id, at)); they live in the schema `bench_partitions` of the bench
database and are built once per scale and seed. Queries, each the SQL the app runs:

- a case's history: the steps of one case in order (`case.events.all()`), and the same with the lower bound the
  app adds (`CaseEvent.objects.of_case(case)`: no step is older than its case), which lets the partitioned table
  skip the months before the case;
- a month's steps counted by action (what statistics of a period read), and the last seven days' steps.

The case list itself reads cases_case only, which is not partitioned (README, "Several machines"), so it is not
measured here.
"""

import random
import statistics
import time

from django.db import connection, transaction

from bench.harness import Benchmark, Figure, Ratio

SCHEMA = "bench_partitions"
CASES = {"tiny": 2_000, "small": 100_000, "medium": 500_000, "large": 2_000_000}
START = "2021-12-01 00:00:00+00"  # five years of steps, to the end of November 2026
MONTHS = 60
HISTORIES = 300  # cases read per repeat
PERIODS = 12  # months counted per repeat

# The steps' columns as the app's own table has them (cases/migrations/0005), in the same order.
COLUMNS = "LIKE cases_caseevent"


def _ms(seconds):
    return seconds * 1000.0


class CasePartitions(Benchmark):
    id = "case-partitions"
    title = "Case steps: monthly partitions vs one table (5 years)"
    target = "say what partitioning changes (no target)"
    figures = [
        Figure("history_plain", "ms", "one case's steps, one table (p50)"),
        Figure("history_part", "ms", "one case's steps, partitioned (p50)"),
        Figure("history_part_bounded", "ms", "one case's steps from its creation on, partitioned (p50)"),
        Figure("history_plain_bounded", "ms", "one case's steps from its creation on, one table (p50)"),
        Figure("month_plain", "ms", "a month's steps by action, one table (p50)"),
        Figure("month_part", "ms", "a month's steps by action, partitioned (p50)"),
        Figure("week_plain", "ms", "the last 7 days' steps by action, one table"),
        Figure("week_part", "ms", "the last 7 days' steps by action, partitioned"),
        Figure("drop_month_plain", "ms", "removing a month's steps (June 2024), one table (DELETE)"),
        Figure("drop_month_part", "ms", "removing a month's steps (June 2024), partitioned (DETACH + DROP)"),
    ]
    ratios = [
        Ratio("history_part", "history_plain"),
        Ratio("history_part_bounded", "history_plain"),
        Ratio("month_part", "month_plain"),
        Ratio("week_part", "week_plain"),
        Ratio("drop_month_part", "drop_month_plain"),
    ]

    def setup(self, ctx):
        self.cases = CASES.get(ctx.scale, CASES["small"])
        self.rng = random.Random(ctx.seed)
        key = f"{ctx.scale}:{ctx.seed}:{self.cases}"
        with connection.cursor() as c:
            c.execute("SELECT obj_description(to_regnamespace(%s), 'pg_namespace')", [SCHEMA])
            row = c.fetchone()
        if row is None or row[0] != key:
            self._build(ctx, key)
        with connection.cursor() as c:
            c.execute(f"SELECT count(*) FROM {SCHEMA}.events_plain")
            self.events = c.fetchone()[0]
            c.execute(f"SELECT id, created_at FROM {SCHEMA}.cases ORDER BY id")
            self.case_rows = c.fetchall()
            c.execute(f"SELECT pg_total_relation_size('{SCHEMA}.events_plain')")
            self.plain_bytes = c.fetchone()[0]
            c.execute(
                f"SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                f"WHERE inhparent = '{SCHEMA}.events_part'::regclass"
            )
            self.part_bytes = int(c.fetchone()[0])

    def _build(self, ctx, key):
        n = self.cases
        ctx.say(f"  building {SCHEMA}: {n} cases, five years of steps\n")
        started = time.perf_counter()
        with connection.cursor() as c:
            c.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            c.execute(f"CREATE SCHEMA {SCHEMA}")
            # Cases spread over five years, more of them in later years (a growing city); 1-7 steps each, hours to
            # days apart, none after the end of the period.
            c.execute(
                f"""
                CREATE TABLE {SCHEMA}.cases AS
                SELECT g AS id,
                       %s::timestamptz + (sqrt(((g::bigint * 7919) %% {n})::float8 / {n})) * interval '1826 days'
                       - interval '3 days' AS created_at
                  FROM generate_series(1, {n}) g
                """,
                [START],
            )
            c.execute(f"UPDATE {SCHEMA}.cases SET created_at = greatest(created_at, %s::timestamptz)", [START])
            c.execute(f"ALTER TABLE {SCHEMA}.cases ADD PRIMARY KEY (id)")
            c.execute(f"CREATE TABLE {SCHEMA}.events_plain ({COLUMNS}, PRIMARY KEY (id))")
            c.execute(
                f"""
                INSERT INTO {SCHEMA}.events_plain
                SELECT row_number() OVER (ORDER BY at, case_id), action, '', 'reported', at, note, '', NULL, case_id,
                       NULL
                  FROM (
                    SELECT c.id AS case_id,
                           least(c.created_at + s * ((c.id % 71) + 1) * interval '1 hour',
                                 timestamptz '2026-11-30 23:00:00+00') AS at,
                           (ARRAY['report', 'register', 'dispatch', 'start', 'handle', 'verify', 'close'])[s + 1]
                             AS action,
                           'step ' || s || ' of case ' || c.id AS note
                      FROM {SCHEMA}.cases c
                      CROSS JOIN LATERAL generate_series(0, ((c.id::bigint * 7919) % 7)::int) s
                  ) steps
                """
            )
            c.execute(f"CREATE INDEX ON {SCHEMA}.events_plain (case_id)")
            c.execute(f"CREATE INDEX ON {SCHEMA}.events_plain (at)")
            c.execute(f"CREATE TABLE {SCHEMA}.events_part ({COLUMNS}) PARTITION BY RANGE (at)")
            c.execute(f"CREATE TABLE {SCHEMA}.events_part_default PARTITION OF {SCHEMA}.events_part DEFAULT")
            c.execute(
                f"""
                DO $$
                DECLARE m date := date '2021-12-01';
                BEGIN
                    WHILE m < date '2027-03-01' LOOP
                        EXECUTE format('CREATE TABLE {SCHEMA}.%I PARTITION OF {SCHEMA}.events_part
                                        FOR VALUES FROM (%L) TO (%L)',
                                       'events_part_p' || to_char(m, 'YYYYMM'), m::text || ' 00:00:00+00',
                                       (m + interval '1 month')::date::text || ' 00:00:00+00');
                        m := (m + interval '1 month')::date;
                    END LOOP;
                END $$;
                """
            )
            c.execute(f"INSERT INTO {SCHEMA}.events_part SELECT * FROM {SCHEMA}.events_plain")
            c.execute(f"ALTER TABLE {SCHEMA}.events_part ADD PRIMARY KEY (id, at)")
            c.execute(f"CREATE INDEX ON {SCHEMA}.events_part (case_id)")
            c.execute(f"CREATE INDEX ON {SCHEMA}.events_part (at)")
            c.execute(f"ANALYZE {SCHEMA}.cases")
            c.execute(f"ANALYZE {SCHEMA}.events_plain")
            c.execute(f"ANALYZE {SCHEMA}.events_part")
            c.execute(f"COMMENT ON SCHEMA {SCHEMA} IS %s", [key])
        ctx.say(f"  built in {time.perf_counter() - started:.0f} s\n")

    def _timed(self, sql, params):
        with connection.cursor() as c:
            started = time.perf_counter()
            c.execute(sql, params)
            c.fetchall()
            return time.perf_counter() - started

    def run(self, ctx, index):
        picks = [self.case_rows[self.rng.randrange(len(self.case_rows))] for _ in range(HISTORIES)]
        history = "SELECT * FROM {t} WHERE case_id = %s ORDER BY at, id"
        bounded = "SELECT * FROM {t} WHERE case_id = %s AND at >= %s ORDER BY at, id"
        out = {}
        for name, sql, table, with_bound in (
            ("history_plain", history, "events_plain", False),
            ("history_part", history, "events_part", False),
            ("history_part_bounded", bounded, "events_part", True),
            ("history_plain_bounded", bounded, "events_plain", True),
        ):
            q = sql.format(t=f"{SCHEMA}.{table}")
            self._timed(q, [picks[0][0], picks[0][1]][: 2 if with_bound else 1])  # plan cached, pages warm
            times = [self._timed(q, [cid, created][: 2 if with_bound else 1]) for cid, created in picks]
            out[name] = _ms(statistics.median(times))
        months = [self.rng.randrange(MONTHS) for _ in range(PERIODS)]
        month = (
            "SELECT action, count(*) FROM {t} WHERE at >= %s::timestamptz + %s * interval '1 month' "
            "AND at < %s::timestamptz + (%s + 1) * interval '1 month' GROUP BY action"
        )
        for name, table in (("month_plain", "events_plain"), ("month_part", "events_part")):
            q = month.format(t=f"{SCHEMA}.{table}")
            self._timed(q, [START, months[0], START, months[0]])
            out[name] = _ms(statistics.median(self._timed(q, [START, m, START, m]) for m in months))
        week = (
            "SELECT action, count(*) FROM {t} WHERE at >= timestamptz '2026-11-30 23:00:00+00' - interval '7 days' "
            "GROUP BY action"
        )
        for name, table in (("week_plain", "events_plain"), ("week_part", "events_part")):
            q = week.format(t=f"{SCHEMA}.{table}")
            self._timed(q, [])
            out[name] = _ms(statistics.median(self._timed(q, []) for _ in range(5)))
        # Retention: a month removed, then put back (each in a transaction that is rolled back).
        for name, statements in (
            (
                "drop_month_plain",
                [
                    f"DELETE FROM {SCHEMA}.events_plain "
                    "WHERE at >= timestamptz '2024-06-01 00:00+00' AND at < timestamptz '2024-07-01 00:00+00'"
                ],
            ),
            (
                "drop_month_part",
                [
                    f"ALTER TABLE {SCHEMA}.events_part DETACH PARTITION {SCHEMA}.events_part_p202406",
                    f"DROP TABLE {SCHEMA}.events_part_p202406",
                ],
            ),
        ):
            with transaction.atomic():
                started = time.perf_counter()
                with connection.cursor() as c:
                    for sql in statements:
                        c.execute(sql)
                out[name] = _ms(time.perf_counter() - started)
                transaction.set_rollback(True)
        return out

    def notes(self, ctx):
        return {
            "cases": self.cases,
            "steps": self.events,
            "partitions": MONTHS + 3 + 1,
            "one table, with indexes (MB)": round(self.plain_bytes / 2**20, 1),
            "partitions, with indexes (MB)": round(self.part_bytes / 2**20, 1),
        }
