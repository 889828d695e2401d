"""Background jobs of the facilities (Celery)."""

from gridwork.celery import app


@app.task(name="assets.roll_map_clusters", acks_late=True)  # idempotent: a second run finds the day kept
def roll_map_clusters():
    """Move the public map's kept clusters to today, rebuilding them when their day is missing (a flush, a restore):
    on the beat after local midnight, and sent by a tile that found them not of today (assets/map_clusters.py).
    Returns the day they are kept for."""
    from assets import map_clusters

    map_clusters.roll()
    return map_clusters.kept_day().isoformat()
