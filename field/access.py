"""Where the field workspace's records sit, for the access policy (accounts.policy).

The workspace itself keeps no records of its own yet: reports and verifications made on a phone are cases and case
steps (registered in cases/access.py), carried with the id the phone gave them (Case.client_id,
CaseEvent.client_id)."""


def register_all():
    pass
