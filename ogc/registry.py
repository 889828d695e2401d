"""The collections served at /ogc/: a registry the owning apps fill in their AppConfig.ready().

This module imports no domain app. An app describes each of its layers with a `Collection` and calls
`register(collection)`; layers that are rows of a table (one collection per asset family, per imported overlay
layer) are offered by a `source`, a callable returning the collections of the moment, registered with
`register_source(callable)`.

Reading follows the access policy (accounts.policy): `public` collections are read by everyone, the others by
signed-in staff who hold the model's view permission somewhere; in both cases the features are those
`policy.scope(user, "view", …)` leaves. Writing (Part 4) needs `editable` and follows `policy.save_checked`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts import policy


@dataclass
class Collection:
    id: str
    title: object
    model: type
    geometry: str
    # properties of a feature: output name -> ORM lookup (values())
    properties: dict = field(default_factory=dict)
    description: object = ""
    public: bool = False
    base: Callable | None = None  # () -> the queryset before the policy narrows it
    datetime: str | None = None  # a date or datetime lookup answering ?datetime=
    filters: tuple = ()  # property names usable as ?name=value
    json_properties: str | None = None  # a JSONField whose keys are properties too (overlay layers)
    # Part 4: writable property name -> model field; None: read-only
    editable: dict | None = None
    # extra field values of a created record (the overlay layer of a feature)
    create_defaults: dict = field(default_factory=dict)
    geometry_kind: str = ""  # "point", "line", "polygon" or "" (any)
    view_perm: str | None = None  # who reads a staff collection (default: the model's view permission)
    # the policy narrows the features (False: `base` itself is what everyone may read, e.g. zones on notice)
    scoped: bool = True
    narrow: Callable | None = None  # (user, queryset) -> queryset, after the policy
    reader: Callable | None = None  # (user) -> bool: who reads the collection, instead of public / staff

    def queryset(self):
        qs = self.base() if self.base else self.model._default_manager.all()
        return qs

    def readable_by(self, user) -> bool:
        if self.reader:
            return self.reader(user)
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        return is_staff(user) and policy.holds(user, self.view_perm or policy.perm_name(self.model, "view"))

    def features_for(self, user):
        qs = self.queryset()
        if self.scoped:
            qs = policy.scope(user, "view", qs)
        if self.narrow:
            qs = self.narrow(user, qs)
        return qs

    def writable_by(self, user, action) -> bool:
        return bool(self.editable) and user.is_authenticated and policy.may_somewhere(user, action, self.model)


def is_staff(user):
    """Administrators and those with a role over a unit or a department (not residents, whose only area is their
    own household)."""
    grants = policy.grants_of(user)
    return grants.admin or any(g.level or g.department for g in grants.grants)


COLLECTIONS: dict[str, Collection] = {}
SOURCES: list[Callable] = []


def register(collection: Collection):
    COLLECTIONS[collection.id] = collection
    return collection


def register_source(source: Callable):
    """`source()` returns the collections of rows of a table (asset families, overlay layers) as they are now."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def all_collections():
    found = dict(COLLECTIONS)
    for source in SOURCES:
        for collection in source():
            found[collection.id] = collection
    return found


def readable(user):
    return [c for c in all_collections().values() if c.readable_by(user)]


def get(collection_id, user):
    """The collection if the user may read it, else None (answered 404: its existence is not confirmed)."""
    collection = all_collections().get(collection_id)
    if collection is None or not collection.readable_by(user):
        return None
    return collection
