"""Sections of the managers' dashboard, registered by the app that owns the data.

The dashboard (cogov/dashboard.py) shows the households and points figures of a unit (district, street,
community or grid cell) over a period, then every section registered here, in `order`. An app adds a section
without the dashboard knowing it:

1. Write the figures in your app, e.g. ``myapp/dashboard.py``::

       from django.utils.translation import gettext_lazy as _

       def section(scope, period, radius_m):
           # scope.households, scope.cells: querysets of the unit; scope.obj: the unit (has .boundary);
           # period.start, period.end: dates (inclusive); period.previous: the period before, same length.
           n = MyModel.objects.filter(cell__in=scope.cells, day__range=(period.start, period.end)).count()
           return {"title": _("My figures"), "rows": [(_("Records"), n)]}  # or None to show nothing

   A row is ``(label, value)`` or ``(label, value, previous value)``; the change is shown where both are numbers.
   Use one aggregate query per figure (grouped, never a Python loop over rows); no personal data (the figures
   are cached and shown to every reader of the unit).

2. Register it from your AppConfig.ready()::

       from common import dashboard
       from myapp.dashboard import section

       dashboard.register("myapp", section, order=60)

   `order` places the section (assets 10, planning 20, cases 30, …); registering the same key again replaces
   the section (so a reload does not show it twice).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    provider: Callable  # provider(scope, period, radius_m) -> {"title": …, "rows": [...]} or None
    order: int = 100


_SECTIONS: dict[str, Section] = {}


def register(key, provider, order=100):
    """Add (or replace) the dashboard section `key`, computed by provider(scope, period, radius_m)."""
    _SECTIONS[key] = Section(key, provider, order)


def unregister(key):
    _SECTIONS.pop(key, None)


def sections():
    """The registered sections, in order (then by key)."""
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def computed(scope, period, radius_m):
    """The sections of a unit and period that have something to show, in order."""
    out = []
    for section in sections():
        result = section.provider(scope, period, radius_m)
        if result:
            out.append(result)
    return out


# --- kept summaries -----------------------------------------------------------------------------------------------
# Figures a section reads from a summary table kept by its app (grids' households per cell, assets' sanitation reach
# and green pieces per cell): the app registers how many entries wait to be recomputed and how to recompute them
# (one set-based statement each). Before the dashboard reads, `refresh_summaries(limit)` brings every summary up to
# date when the backlog is small; a larger one (a bulk import) is left to the worker, and the caller computes that
# view directly from the records so the figures stay exact.


@dataclass(frozen=True)
class Summary:
    key: str
    pending: Callable  # pending() -> int: stale entries waiting
    refresh: Callable  # refresh() -> None: recompute the stale entries
    order: int = 100  # a summary that feeds another (distances → reach) refreshes first
    rebuild: Callable | None = None  # rebuild() -> None: every entry from scratch (after writes without triggers)


_SUMMARIES: dict[str, Summary] = {}


def register_summary(key, pending, refresh, order=100, rebuild=None):
    _SUMMARIES[key] = Summary(key, pending, refresh, order, rebuild)


def summaries():
    return sorted(_SUMMARIES.values(), key=lambda s: (s.order, s.key))


def refresh_summaries(limit=None):
    """Recompute the stale entries of every summary; with `limit`, only when no backlog is larger than it.
    True when every summary is up to date."""
    waiting = [(s, s.pending()) for s in summaries()]
    if limit is not None and any(n > limit for _s, n in waiting):
        return False
    for summary, n in waiting:
        if n:
            summary.refresh()
    return True


def refresh_within(limit, apart=()):
    """Like refresh_summaries(limit), except that the summaries named in `apart` (read by one section only) may lag
    alone: the others are brought up to date when their backlogs are small. Returns the keys of the summaries left
    behind (empty: every summary is up to date); when one outside `apart` is over the limit, none is refreshed and
    every key is returned."""
    waiting = [(s, s.pending()) for s in summaries()]
    over = {s.key for s, n in waiting if n > limit}
    if over - set(apart):
        return {s.key for s, _n in waiting}
    for summary, n in waiting:
        if n and summary.key not in over:
            summary.refresh()
    return over


def rebuild_summaries():
    """Every summary from scratch: after writes that bypassed the triggers (a restore, a generated city)."""
    for summary in summaries():
        (summary.rebuild or summary.refresh)()
