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
