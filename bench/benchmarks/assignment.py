"""Bulk assignment of every household to its grid cell: the project's path vs the bare PostGIS spatial-join UPDATE."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.harness import BackendClock, Benchmark, Figure, Ratio
from grids.models import Community, GridCell, Household

H, C, M = Household._meta.db_table, GridCell._meta.db_table, Community._meta.db_table

# What one would write by hand: join each household to the cell covering it, through the GiST index.
BARE_SQL = f"""UPDATE {H} h SET cell_id = c.id, community_id = c.community_id
                 FROM {C} c
                WHERE ST_Covers(c.boundary, h.location)"""

# The change proposed for grids.assignment: one lookup per row that sets both columns (a row-valued subquery),
# then the community alone for the rows that fell outside every cell. The project's path runs the cell lookup
# twice per row (once for cell_id, once inside the COALESCE for community_id); see the notes of the results.
PROPOSED_SQL = [
    f"""UPDATE {H} t SET (cell_id, community_id) =
            (SELECT c.id, c.community_id FROM {C} c WHERE ST_Covers(c.boundary, t.location) ORDER BY c.id LIMIT 1)""",
    f"""UPDATE {H} t SET community_id =
            (SELECT m.id FROM {M} m WHERE ST_Covers(m.boundary, t.location) ORDER BY m.id LIMIT 1)
         WHERE t.cell_id IS NULL AND t.location IS NOT NULL""",
]


def vacuum():
    """Clear the dead rows of the previous run so that every run starts from the same table state."""
    with connection.cursor() as cur:
        if connection.in_atomic_block:
            cur.execute(f"ANALYZE {H}")
        else:
            cur.execute(f"VACUUM (ANALYZE) {H}")


class Assignment(Benchmark):
    id = "assignment"
    title = "Bulk assignment of households to cells"
    target = "project ≤ 1.2 × bare SQL"
    figures = [
        Figure("project", "s", "Household.objects.all().assign_cells()"),
        Figure("bare", "s", "bare spatial-join UPDATE"),
        Figure("proposed", "s", "proposed single-lookup UPDATE"),
        Figure("project_cpu", "s", "assign_cells(), database CPU time"),
        Figure("bare_cpu", "s", "bare UPDATE, database CPU time"),
        Figure("proposed_cpu", "s", "proposed UPDATE, database CPU time"),
    ]
    ratios = [
        Ratio("project", "bare", 1.2, "le"),
        Ratio("proposed", "bare", 1.2, "le"),
        Ratio("project_cpu", "bare_cpu", 1.2, "le"),
        Ratio("proposed_cpu", "bare_cpu", 1.2, "le"),
    ]

    def setup(self, ctx):
        self.rows = Household.objects.count()
        self.project_sql = None
        self.clock = BackendClock()

    def _project(self):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            n = Household.objects.all().assign_cells()
            elapsed = time.perf_counter() - t
        self.project_sql = q.captured_queries[-1]["sql"] if q.captured_queries else None
        return elapsed, n

    def _bare(self):
        with connection.cursor() as cur:
            t = time.perf_counter()
            cur.execute(BARE_SQL)
            elapsed = time.perf_counter() - t
            return elapsed, cur.rowcount

    def _proposed(self):
        with connection.cursor() as cur:
            t = time.perf_counter()
            cur.execute(PROPOSED_SQL[0])
            rows = cur.rowcount
            cur.execute(PROPOSED_SQL[1])
            return time.perf_counter() - t, rows

    def run(self, ctx, index):
        order = [("project", self._project), ("bare", self._bare), ("proposed", self._proposed)]
        if index % 2:
            order.reverse()  # alternate who goes first, so warm caches favour none of them
        out = {}
        for name, fn in order:
            vacuum()
            cpu = self.clock.read()
            out[name], rows = fn()
            after = self.clock.read()
            out[f"{name}_cpu"] = None if cpu is None or after is None else after - cpu
            out[f"{name}_rows"] = rows
        return out

    def notes(self, ctx):
        plans = {}
        with connection.cursor() as cur:
            for name, sql in (("project", self.project_sql), ("bare", BARE_SQL), ("proposed", PROPOSED_SQL[0])):
                if sql:
                    cur.execute(f"EXPLAIN {sql}")
                    plans[name] = "\n".join(r[0] for r in cur.fetchall())
        assigned = Household.objects.filter(cell__isnull=False).count()
        return {
            "households": self.rows,
            "cells": GridCell.objects.count(),
            "communities": Community.objects.count(),
            "households_with_a_cell": assigned,
            "project_sql": self.project_sql,
            "bare_sql": " ".join(BARE_SQL.split()),
            "proposed_sql": [" ".join(q.split()) for q in PROPOSED_SQL],
            "plans": plans,
        }
