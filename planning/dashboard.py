"""The renovation section of the managers' dashboard (registered in PlanningConfig.ready through common.dashboard)."""

from django.utils.translation import gettext_lazy as _

from planning.consent import consent
from planning.models import Project


def section(scope, period, radius_m):
    """Renovation zones touching the unit: each project's stage and consent rate (by households)."""
    projects = (
        Project.objects.filter(zone__boundary__intersects=scope.obj.boundary)
        .select_related("zone")
        .order_by("zone__name", "name")
    )
    rows = []
    for project in projects[:50]:
        c = consent(project, project.zone.boundary)
        label = f"{project.zone.name} · {project.name} · {project.get_stage_display()}"
        rows.append((label, c.by_households_pct if c.households else None))
    if not rows:
        return None
    return {"title": _("Renovation zones: consent rate by households (%)"), "rows": rows}
