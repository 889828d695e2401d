"""Accounts for the access policy: memberships and the reveal log are the administrators'."""

from accounts.models import Membership
from accounts.policy import Place, register


def register_all():
    register(Membership, Place())
    from common.models import PersonalDataReveal

    register(PersonalDataReveal, Place())
