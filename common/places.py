"""Where the records of each model sit, for the access policy (accounts.policy reads this registry).

The registry lives in `common` so that every app, including `grids` below accounts, says where its records sit
without importing the policy: ``register(Model, Place(...))`` from the app's access.py, called in its
AppConfig.ready(). accounts.policy re-exports these names.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

PUBLIC_READ = frozenset({"view"})


@dataclass(frozen=True)
class Place:
    """Where a model's records sit: ORM paths from the model to its district, street, community, grid cell and
    household ("pk" for the unit itself). Higher levels are derived from lower ones when not given (a community
    path gives `<path>__street` and `<path>__street__district`).

    - public: these actions need no area and no sign-in (e.g. {"view"} for boundaries and facility registers
      without personal data); the permission is still needed for the rest.
    - geometry: records placed by a geometry alone (renovation zones): they are in an area when they intersect it
      (reading) or lie inside it (writing).
    - owner: extra rules, callable(user, action) -> Q or None, for records a user holds whatever the area (what they
      reported, applied for, handle).
    - catalogue: reference data (types, categories): read by everyone signed in or not, written by administrators.
    - public_only: narrows the public actions to these records (public facility types); the rest of the records
      need a grant like any other.
    - admin_only: actions only administrators take, whatever the role.
    """

    district: str | None = None
    street: str | None = None
    community: str | None = None
    cell: str | None = None
    household: str | None = None
    department: str | None = None
    geometry: str | None = None
    owner: Callable | None = None
    public: frozenset = frozenset()
    catalogue: bool = False
    admin_only: frozenset = frozenset()
    public_only: Q | None = None

    def path(self, level):
        explicit = getattr(self, level)
        if explicit:
            return explicit
        below = {"district": "street", "street": "community", "community": "cell"}
        up = {"street": "district", "community": "street", "cell": "community"}
        child = below.get(level)
        if child:
            child_path = self.path(child)
            if child_path:
                step = up[child]
                return step if child_path == "pk" else f"{child_path}__{step}"
        return None


REGISTRY: dict[type, Place] = {}


def register(model, place: Place):
    REGISTRY[model] = place
    return model


def place_of(model) -> Place:
    model = getattr(model, "_meta", None) and model._meta.concrete_model or model
    try:
        return REGISTRY[model]
    except KeyError:
        raise LookupError(f"{model._meta.label} is not registered with accounts.policy") from None
