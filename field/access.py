"""Where the field workspace's records sit, for the access policy (accounts.policy).

Reports and verifications made on a phone are cases and case steps (registered in cases/access.py), carried with
the id the phone gave them (Case.client_id, CaseEvent.client_id). A patrol sits in the cell its track runs through
longest: managers of the area read it, and the worker who walked it reads what they walked."""

from django.db.models import Q

from accounts.policy import Place, register
from field import models as m


def own_patrol(user, action):
    return Q(worker=user) if action == "view" else None


def register_all():
    register(m.Patrol, Place(cell="cell", owner=own_patrol))
