"""Derived figures of a renovation zone, refreshed after the zone's save has committed.

`Zone.save()` only saves. Whoever saves a zone (the API behind the zone editor, imports, the demo) calls
`save_zone` or, when something else does the save (a serializer), `refresh_after_commit` with the boundary the
zone had before: once the transaction has committed, the statistics (planning/stats.py plus the figures other
apps register in planning.providers: assets, cases, green coverage from imagery that reads rasters) and the
compounds inside are computed again — outside the save's transaction, so a slow raster read holds no lock on the
zone and a failed figure does not undo the save.
"""

from django.db import transaction
from django.utils import timezone


def stored_boundary(zone):
    """The boundary the database holds for this zone (None for a new one): what a save compares with."""
    if zone is None or zone.pk is None:
        return None
    return type(zone).objects.filter(pk=zone.pk).values_list("boundary", flat=True).first()


def needs_refresh(zone, old_boundary):
    return old_boundary is None or not old_boundary.equals_exact(zone.boundary, 1e-12) or not zone.stats


def refresh_statistics(zone):
    """Compute the zone's statistics and the compounds inside now (the zone page's 'recompute' button, the preview
    of a zone being drawn, the after-commit refresh)."""
    from planning import stats

    zone.stats = stats.zone_statistics(zone)
    zone.stats_at = timezone.now()
    type(zone).objects.filter(pk=zone.pk).update(stats=zone.stats, stats_at=zone.stats_at)
    zone.compounds.set(stats.compounds_inside(zone.boundary))
    return zone


def refresh_after_commit(zone, old_boundary):
    """Once the current transaction commits, refresh the zone's figures if its boundary changed (or it has none)."""
    if needs_refresh(zone, old_boundary):
        transaction.on_commit(lambda: refresh_statistics(zone))


def save_zone(zone):
    """Save a zone; its figures follow once the save has committed."""
    old = stored_boundary(zone)
    with transaction.atomic():
        zone.save()
        refresh_after_commit(zone, old)
    return zone
