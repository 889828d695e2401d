"""Where the inspection records sit, for the access policy (accounts.policy).

A checklist belongs to its community (its managers read and change it); an inspection sits in its cell: the
worker who holds the cell today records it there, the managers of the community (street, district) read it.
Nothing is public."""

from accounts.policy import Place, register
from inspections import models as m


def register_all():
    register(m.Checklist, Place(community="community"))
    register(m.ChecklistItem, Place(community="checklist__community"))
    register(m.Inspection, Place(cell="cell"))
    register(m.ItemResult, Place(cell="inspection__cell"))
    register(m.InspectionPhoto, Place(cell="inspection__cell"))
