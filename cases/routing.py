"""Who should handle a case, and why: built on responsibility.lookup (cell, workers, covering areas) and the
category's department. The dispatcher sees every candidate with its reason and may pick another one.

Recommendation rule, first match wins:
1. a component case whose asset names a responsible department → that department;
2. a responsibility area covering the point whose kind the category lists (e.g. 门前三包 for litter) → its party;
3. the category's department;
4. the cell's primary grid worker.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from responsibility.lookup import who_is_responsible


@dataclass
class Candidate:
    """One handler the dispatcher may choose: value is what the dispatch form posts."""

    kind: str  # department | worker | party
    value: str  # party:<id> | user:<id> | dept:<name>
    label: str
    reason: str
    recommended: bool = False

    @property
    def kind_label(self):
        return {"department": _("department"), "worker": _("grid worker"), "party": _("responsible party")}[self.kind]


@dataclass
class Suggestion:
    cell: object = None
    community: object = None
    facts: list = field(default_factory=list)  # what the location tells, in words
    candidates: list = field(default_factory=list)
    why: str = ""

    @property
    def recommended(self):
        return next((c for c in self.candidates if c.recommended), None)


def suggest(case, day=None):
    """The candidates for handling `case`, the recommended one marked, with what the location tells and why."""
    r = who_is_responsible(case.location.x, case.location.y, day)
    s = Suggestion(cell=r.cell, community=case.community, facts=location_facts(case, r))
    workers = worker_candidates(r)
    areas = area_candidates(r)
    dept = department_candidate(case.category)
    asset_dept = asset_candidate(case)
    pick, s.why = recommend(case.category, asset_dept, areas, dept, workers)
    if pick is not None:
        pick.recommended = True
    seen = set()
    for c in [asset_dept, *[c for _a, c in areas], dept, *workers]:
        if c is not None and c.value not in seen:
            seen.add(c.value)
            s.candidates.append(c)
    s.candidates.sort(key=lambda c: not c.recommended)
    return s


def location_facts(case, r):
    """What the location tells, in words: its cell (and the cells it borders), or its community only; no area."""
    facts = []
    if r.cell is not None:
        facts.append(
            _("The location lies in grid cell %(code)s of %(community)s.")
            % {"code": r.cell.code, "community": r.cell.community.name}
        )
        if r.boundary_cells:
            facts.append(
                _("It is on the edge with %(cells)s; the cell with the lowest number takes it.")
                % {"cells": ", ".join(c.code for c in r.boundary_cells)}
            )
    else:
        facts.append(_("The location is in %(community)s but in no grid cell.") % {"community": case.community.name})
    if not r.areas:
        facts.append(_("No responsibility area covers the location."))
    return facts


def worker_candidates(r):
    """The cell's grid workers, in the order the lookup gives them."""
    workers = []
    for a in r.workers:
        name = a.worker.get_full_name() or a.worker.username
        workers.append(
            Candidate(
                "worker",
                f"user:{a.worker_id}",
                name,
                _("%(role)s of grid cell %(code)s since %(since)s.")
                % {"role": a.get_role_display(), "code": r.cell.code, "since": a.start.isoformat()},
            )
        )
    return workers


def area_candidates(r):
    """(area, candidate) for the party of each responsibility area covering the point."""
    areas = []
    for area in r.areas:
        duties = area.duty_text
        reason = _("The location lies inside %(kind)s “%(name)s”; %(party)s is responsible") % {
            "kind": area.get_kind_display(),
            "name": area.name,
            "party": area.party.label,
        }
        if duties:
            reason += _(" (duties: %(duties)s)") % {"duties": duties}
        areas.append((area, Candidate("party", f"party:{area.party_id}", area.party.label, reason + ".")))
    return areas


def department_candidate(category):
    """The category's department: its party when there is one (by link, else by name), else the name alone."""
    dept_party = category.department_party
    if dept_party is None:
        from responsibility.models import Party

        dept_party = Party.objects.filter(kind=Party.Kind.DEPARTMENT, name=category.department).order_by("id").first()
    return Candidate(
        "department",
        f"party:{dept_party.pk}" if dept_party else f"dept:{category.department}",
        category.department,
        _("%(category)s cases go to %(department)s (deadline %(hours)s h).")
        % {"category": category, "department": category.department, "hours": category.deadline_hours},
    )


def asset_candidate(case):
    """The department the case's asset names, if any."""
    if not (case.asset_id and case.asset.department):
        return None
    return Candidate(
        "department",
        f"dept:{case.asset.department}",
        case.asset.department,
        _("Asset %(id)s (%(type)s) is looked after by %(department)s.")
        % {"id": case.asset.identifier, "type": case.asset.type, "department": case.asset.department},
    )


def recommend(category, asset_dept, areas, dept, workers):
    """(candidate, why) by the rule in the module docstring; (None, why) when there is no one."""
    matching = [c for kind in category.area_kinds for a, c in areas if a.kind == kind]
    if asset_dept is not None:
        return asset_dept, _("A component case goes to the asset's department.")
    if matching:
        return matching[0], _("The category is handled first by the party of a covering responsibility area.")
    if category.department:
        return dept, _("No area of the listed kinds covers the location: the category's department.")
    if workers:
        return workers[0], _("No department for the category: the grid worker of the cell.")
    return None, _("No handler could be found; choose one.")


def resolve_handler(value):
    """The Handler for a posted value (party:<id>, user:<id>, dept:<name>); None when it names nothing."""
    from django.contrib.auth import get_user_model

    from cases.workflow import Handler
    from responsibility.models import Party

    kind, _sep, ref = (value or "").partition(":")
    if kind == "user" and ref.isascii() and ref.isdigit():
        user = get_user_model().objects.filter(pk=int(ref), is_active=True).first()
        return Handler("worker", user=user) if user else None
    if kind == "party" and ref.isascii() and ref.isdigit():
        party = Party.objects.filter(pk=int(ref)).first()
        if party is None:
            return None
        return Handler("department" if party.kind == Party.Kind.DEPARTMENT else "party", party=party)
    if kind == "dept" and ref.strip():
        name = ref.strip()[:100]
        party = Party.objects.filter(kind=Party.Kind.DEPARTMENT, name=name).order_by("id").first()
        party = party or Party.objects.create(kind=Party.Kind.DEPARTMENT, name=name)
        return Handler("department", party=party)
    return None
