"""Figures of a renovation zone that other apps give, registered by those apps (zone statistics providers).

The zone page shows what is inside a zone (planning/stats.py: households, buildings, compounds) and, under a key
each, the figures registered here: assets by family and adopted green area (assets), cases by category (cases),
green coverage from imagery (planning's own use of the layers engine). To add one, in your app's
AppConfig.ready()::

    from planning import providers
    from myapp.zone_figures import zone_figures  # zone_figures(zone, srid) -> a JSON-serialisable value

    providers.register("myapp", zone_figures)

The provider runs when the zone's statistics are refreshed (planning.services.refresh_statistics, after the
zone's save has committed), one set-based query per figure on the zone's boundary (`srid`: its metric UTM zone).
"""

from collections.abc import Callable

_PROVIDERS: dict[str, Callable] = {}


def register(key, provider):
    """Store provider(zone, srid) under `key` of the zone's statistics (registering a key again replaces it)."""
    _PROVIDERS[key] = provider


def computed(zone, srid):
    return {key: provider(zone, srid) for key, provider in _PROVIDERS.items()}
