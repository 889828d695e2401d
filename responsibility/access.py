"""Where responsibility records sit, for the access policy (accounts.policy).

Who is responsible for a place is public (the lookup answers anyone); areas are drawn and parties kept by the
managers of the community they belong to. A party without a community (a city department) and the link from a
party to a user account are the administrators' (that link decides who acts on a department's cases).
"""

from accounts.policy import PUBLIC_READ, Place, register
from responsibility import models as m


def register_all():
    register(m.Party, Place(community="community", public=PUBLIC_READ))
    register(m.ResponsibilityArea, Place(community="community", public=PUBLIC_READ))
