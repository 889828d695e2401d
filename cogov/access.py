"""Where points, ratings and boards sit, for the access policy (accounts.policy): by the household or the
community they belong to; residents read their own household's ledger."""

from accounts.policy import PUBLIC_READ, Place, register
from cogov import models as m


def register_all():
    register(m.PointRule, Place(catalogue=True))
    household = dict(community="household__community", cell="household__cell", household="household")
    register(m.LedgerEntry, Place(**household))
    register(m.Redemption, Place(**household))
    register(m.Rating, Place(**household))
    register(m.AssessmentPhoto, Place(community="rating__household__community", cell="rating__household__cell"))
    register(m.CatalogueItem, Place(community="community", public=PUBLIC_READ))
    register(m.BoardEntry, Place(community="community", public=PUBLIC_READ))
