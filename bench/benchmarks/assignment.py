"""Bulk assignment of every household to its grid cell: the project's path vs the bare PostGIS spatial-join UPDATE."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.harness import BackendClock, Benchmark, Figure, Ratio
from grids.models import Community, GridCell, Household

H, C = Household._meta.db_table, GridCell._meta.db_table

# What one would write by hand: join each household to the cell covering it, through the GiST index.
BARE_SQL = f"""UPDATE {H} h SET cell_id = c.id, community_id = c.community_id
                 FROM {C} c
                WHERE ST_Covers(c.boundary, h.location)"""


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
        Figure("project_cpu", "s", "assign_cells(), database CPU time"),
        Figure("bare_cpu", "s", "bare UPDATE, database CPU time"),
    ]
    ratios = [
        Ratio("project", "bare", 1.2, "le"),
        Ratio("project_cpu", "bare_cpu", 1.2, "le"),
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
        # The first UPDATE (cell and community from one lookup) is the one that does the work.
        updates = [x["sql"] for x in q.captured_queries if x["sql"].lstrip().upper().startswith("UPDATE")]
        self.project_sql = updates[0] if updates else None
        return elapsed, n

    def _bare(self):
        with connection.cursor() as cur:
            t = time.perf_counter()
            cur.execute(BARE_SQL)
            elapsed = time.perf_counter() - t
            return elapsed, cur.rowcount

    def run(self, ctx, index):
        order = [("project", self._project), ("bare", self._bare)]
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
            for name, sql in (("project", self.project_sql), ("bare", BARE_SQL)):
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
            "plans": plans,
        }
