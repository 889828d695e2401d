"""Demo patrols for the demo city (loaded once): over the last three days, each worker of the first community
manager's community walks the cells they hold today, round the inside of the cell (15 m within its edge, in
metres on the cell's UTM zone, in SQL) in a morning or an afternoon. Every time lies in the past (at the latest:
now), whatever the hour of the local day the demo is loaded at; a walk that would end after now is left out."""

import random
import uuid
from datetime import datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from accounts.demo import demo_community
from common.geometry import metric_srid_for
from field import patrols
from field.models import Patrol
from grids.models import GridAssignment

NAMESPACE = uuid.UUID("0c5e8f7a-3b2d-4e61-a9f0-7d4c1b2e6a55")
DAYS = 3
INSET_M = 15
WALKING_M_PER_S = 1.1

TRACKS_SQL = """
SELECT c.id,
       ST_AsEWKT(ST_Multi(ST_Transform(
           ST_ExteriorRing(ST_GeometryN(ST_Buffer(ST_Transform(c.boundary, %(srid)s), -%(inset)s), 1)), 4326))),
       ST_Length(ST_ExteriorRing(ST_GeometryN(ST_Buffer(ST_Transform(c.boundary, %(srid)s), -%(inset)s), 1)))
FROM grids_gridcell c
WHERE c.id = ANY(%(cells)s)
  AND NOT ST_IsEmpty(ST_Buffer(ST_Transform(c.boundary, %(srid)s), -%(inset)s))
"""


def build(seed=2026, stdout=None):
    say = stdout.write if stdout else (lambda s: None)
    if Patrol.objects.exists():
        say("patrol demo already loaded")
        return
    community = demo_community()
    if community is None:
        say("no community: build the demo city first")
        return
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    assignments = list(
        GridAssignment.objects.active_on(today)
        .filter(cell__community=community)
        .select_related("worker")
        .order_by("pk")
    )
    srid = metric_srid_for(community.boundary)
    with connection.cursor() as cur:
        cur.execute(TRACKS_SQL, {"srid": srid, "inset": INSET_M, "cells": [a.cell_id for a in assignments]})
        tracks = {cell: (ewkt, length) for cell, ewkt, length in cur.fetchall()}
    from django.contrib.gis.geos import GEOSGeometry

    made = 0
    for days_ago in range(DAYS):
        day = today - timedelta(days=days_ago)
        for a in assignments:
            if a.cell_id not in tracks:
                continue
            ewkt, length = tracks[a.cell_id]
            start = timezone.make_aware(datetime.combine(day, time(rng.choice([8, 9, 14, 15]), rng.randrange(0, 60))))
            walked = int(length / WALKING_M_PER_S)
            end = start + timedelta(seconds=walked + rng.randrange(300, 900))  # a pause or two
            if end > now:
                continue
            client_id = uuid.uuid5(NAMESPACE, f"{a.worker_id}-{a.cell_id}-{day}")
            _patrol, created = patrols.record(a.worker, client_id, start, end, walked, GEOSGeometry(ewkt))
            made += created
    say(f"patrol demo: {made} patrols")
