"""Where renovation records sit, for the access policy (accounts.policy).

Zones are placed by their boundary: a planner or manager reads the zones that touch their area and draws or
changes only zones inside it; projects and everything about them follow their zone. Votes follow the voting
household; comments are moderated within the area of the project.
"""

from accounts.policy import Place, register
from planning import models as m


def register_all():
    register(m.DemolitionPlan, Place(geometry="area"))
    register(m.CompoundRecord, Place(community="compound__community"))
    register(m.Zone, Place(geometry="boundary"))
    register(m.Project, Place(geometry="zone__boundary"))
    for model in (m.StageChange, m.Item, m.DesignChange, m.Acceptance, m.Comment, m.Vote):
        register(model, Place(geometry="project__zone__boundary"))
    register(m.AcceptancePhoto, Place(geometry="acceptance__project__zone__boundary"))
