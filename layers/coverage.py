"""The areas whose green coverage the imagery engine computes (layers.imagery.compute_coverage), registered by
the app that owns them.

    from layers import coverage

    coverage.register(coverage.CoverageTarget("zone", lambda: Zone.objects.all(), model=Zone))  # in ready()

`kind` names the GreenCoverage column that holds the area's id (`<kind>_id`: "cell" for grid cells, registered
by layers/builtin.py, "zone" for renovation zones, registered by planning); the queryset's records have a
`boundary` polygon. The rows of a deleted area go with it (a post_delete receiver on `model`).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models.signals import post_delete


@dataclass(frozen=True)
class CoverageTarget:
    kind: str
    queryset: Callable  # () -> the areas (records with a `boundary` polygon)
    model: type | None = None  # its rows are dropped when one of these is deleted (when not a foreign key)


_TARGETS: dict[str, CoverageTarget] = {}


def register(target: CoverageTarget):
    _TARGETS[target.kind] = target
    if target.model is not None:
        post_delete.connect(
            _drop_rows(target.kind), sender=target.model, weak=False, dispatch_uid=f"coverage-{target.kind}"
        )


def targets():
    """(kind, queryset) of every registered kind of area."""
    return [(t.kind, t.queryset()) for t in _TARGETS.values()]


def areas(kind, ids):
    """{id: area} of one kind, for the coverage map."""
    return _TARGETS[kind].queryset().in_bulk(list(ids))


def _drop_rows(kind):
    def receiver(sender, instance, **kwargs):
        from layers.models import GreenCoverage

        GreenCoverage.objects.filter(**{f"{kind}_id": instance.pk}).delete()

    return receiver
