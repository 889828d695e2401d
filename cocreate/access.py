"""Where co-creation records sit, for the access policy (accounts.policy).

Needs, resources and community projects are public lists without personal data (who posted a need is never
shown); meetings, tasks, contributions and campaigns are read and written within the community by its staff.
Mediations are private: only the community's mediators and the parties' grid worker read them (administrators
aside) — no role reaches them through an area, so no page, list, map or export built on the policy shows them
to anybody else.
"""

from django.db.models import Q

from accounts.policy import PUBLIC_READ, Place, register, worker_cells
from cocreate import models as m


def mediation_owner(prefix=""):
    """The community's mediators, and whoever holds the dispute's grid cell today (not whoever held it when the
    dispute was filed: a worker who handed the cell on loses the mediation with it)."""

    def rule(user, action):
        if action not in ("view", "change", "add"):
            return None
        return Q(**{f"{prefix}community__mediators__user": user}) | Q(**{f"{prefix}cell__in": worker_cells(user)})

    return rule


def register_all():
    public = dict(community="community", public=PUBLIC_READ)
    register(m.Need, Place(community="community", cell="cell", public=PUBLIC_READ))
    register(m.NeedPhoto, Place(community="need__community", cell="need__cell", public=PUBLIC_READ))
    register(m.NeedSupport, Place(community="need__community", owner=lambda u, a: Q(user=u) if a == "view" else None))
    register(m.Resource, Place(**public))
    register(m.CoProject, Place(**public))
    register(m.Meeting, Place(community="community"))
    register(m.Decision, Place(community="meeting__community"))
    register(m.Task, Place(community="community", owner=lambda u, a: Q(owner=u) if a == "view" else None))
    register(
        m.CaseRating,
        Place(community="case__community", cell="case__cell", owner=lambda u, a: Q(rater=u) if a == "view" else None),
    )
    register(m.ProjectRating, Place(geometry="project__zone__boundary", household="household"))
    register(m.Campaign, Place(community="community", cell="cells"))
    register(m.Finding, Place(community="campaign__community", cell="case__cell"))
    register(m.SpotCheck, Place(community="campaign__community"))
    register(m.SpotCheckItem, Place(community="spot_check__campaign__community", cell="finding__case__cell"))
    register(m.Contribution, Place(community="community", household="household"))
    register(m.Mediator, Place(community="community"))
    register(m.Mediation, Place(owner=mediation_owner()))
    for model in (m.MediationSession, m.MediationPhoto, m.FollowUp):
        register(model, Place(owner=mediation_owner("mediation__")))
