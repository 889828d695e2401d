"""Services that `common` uses but an app above it provides, plugged in from that app's AppConfig.ready().

`common` is the bottom layer and imports no app of the project (tests/test_layering.py). The generic entity pages
(common.entity) still have to ask the access policy who may read and change a record, and to write the list as a
file; the apps that own those rules fill these hooks:

- ``access_policy``: accounts.policy (AccountsConfig.ready) — scope, allows, require, may_somewhere,
  denied_message, save_checked, place_of (what the entity pages and the layer importer ask).
- ``exporter``: the file writer of the layers app (LayersConfig.ready) — FORMATS, LABELS, MAX_ROWS,
  unknown_format, export_srid (raises common.params.ParamError), with_export_geometry, export_response.

A hook that nobody filled fails closed: using it raises ImproperlyConfigured instead of letting a page through.
"""

from django.core.exceptions import ImproperlyConfigured


class Hook:
    """One implementation of a service, set once by the app that provides it; attributes are read from it."""

    def __init__(self, name):
        self._name = name
        self._impl = None

    def set(self, impl):
        self._impl = impl

    @property
    def filled(self):
        return self._impl is not None

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        if self._impl is None:
            raise ImproperlyConfigured(f"No {self._name} is installed (a hook of common.hooks nobody filled).")
        return getattr(self._impl, attr)


access_policy = Hook("access policy")
exporter = Hook("file exporter")
