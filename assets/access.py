"""Where asset records sit, for the access policy (accounts.policy).

The register of public facilities is read by anyone (the API leaves non-public types such as cameras to staff);
assets, their photos, inspections and adoptions are written within an area. Residents read and log upkeep on
what they applied to adopt.
"""

from django.db.models import Q

from accounts.policy import PUBLIC_READ, Place, register
from assets import models as m


def own_adoption(user, action):
    return Q(applicant=user) if action == "view" else None


def own_log(user, action):
    return Q(adoption__applicant=user) if action in ("view", "add") else None


def register_all():
    register(m.AssetFamily, Place(catalogue=True))
    register(m.AssetType, Place(catalogue=True))
    # Anyone reads the facilities of public types; the others (cameras…) are read within an area.
    register(
        m.Asset,
        Place(
            district="district",
            community="community",
            cell="cell",
            public=PUBLIC_READ,
            public_only=Q(type__public=True),
        ),
    )
    register(
        m.AssetPhoto,
        Place(
            district="asset__district",
            community="asset__community",
            cell="asset__cell",
            public=PUBLIC_READ,
            public_only=Q(asset__type__public=True),
        ),
    )
    register(m.Inspection, Place(district="asset__district", community="asset__community", cell="asset__cell"))
    register(m.Adoption, Place(district="asset__district", community="asset__community", owner=own_adoption))
    register(m.MaintenanceLog, Place(community="adoption__asset__community", owner=own_log))
