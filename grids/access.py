"""Where the grid records sit, for the access policy (accounts.policy; grids registers through common.places, the
policy's registry, because accounts is built on grids).

Boundaries, buildings and who holds which cell are public (no personal data); households are read only within
an area. A unit is changed from the level above it: streets by district managers, communities by street
managers, cells, compounds and assignments by community managers; buildings and households also by the grid
worker of their cell. Districts are changed by administrators.
"""

from common.places import PUBLIC_READ, Place, register
from grids import models as m


def register_all():
    register(m.District, Place(public=PUBLIC_READ, admin_only=frozenset({"add", "change", "delete"})))
    register(m.Street, Place(district="district", public=PUBLIC_READ))
    register(m.Community, Place(street="street", public=PUBLIC_READ))
    register(m.GridCell, Place(community="community", public=PUBLIC_READ))
    register(m.GridAssignment, Place(community="cell__community", public=PUBLIC_READ))
    register(m.Compound, Place(community="community", public=PUBLIC_READ))
    register(m.Road, Place(public=PUBLIC_READ, admin_only=frozenset({"add", "change", "delete"})))
    register(m.Building, Place(community="community", cell="cell", public=PUBLIC_READ))
    register(m.Household, Place(community="community", cell="cell", household="pk"))
