"""Eligibility of a compound for renovation: each rule passes or fails with the reason shown to planners."""

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Intersection
from django.db.models import Count, FloatField, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from common.geometry import metric_srid_for
from grids.models import Building
from planning.conf import conf
from planning.imagery import demolition_overlaps
from planning.models import CompoundRecord, DemolitionPlan
from planning.stats import MetricArea


@dataclass
class Rule:
    code: str
    label: str
    passed: bool
    reason: str


def compound_buildings(compound):
    return Building.objects.filter(
        Q(compound=compound) | Q(compound__isnull=True, anchor__intersects=compound.boundary)
    )


def rule_built_before(compound):
    """Built before the cutoff: buildings built before it hold at least BUILT_BEFORE_SHARE of the floor area.

    A compound built before the cutoff stays one when a newer building is added later; buildings without a
    recorded year count as not built before it. Floor area = footprint × storeys (1 when unknown), in m².
    """
    cutoff = conf("BUILT_BEFORE")
    least = float(conf("BUILT_BEFORE_SHARE"))
    label = gettext("Built before %(year)s") % {"year": cutoff}
    srid = metric_srid_for(compound.boundary)
    floor = MetricArea("footprint", srid) * Coalesce("storeys", 1)
    agg = compound_buildings(compound).aggregate(
        n=Count("id"),
        unknown=Count("id", filter=Q(year_built__isnull=True)),
        total=Sum(floor, output_field=FloatField()),
        old=Sum(floor, filter=Q(year_built__lt=cutoff), output_field=FloatField()),
        old_n=Count("id", filter=Q(year_built__lt=cutoff)),
    )
    if not agg["n"]:
        return Rule("built_before", label, False, gettext("No buildings are recorded for this compound."))
    share = (agg["old"] or 0.0) / agg["total"] if agg["total"] else 0.0
    reason = gettext(
        "%(old)s of %(n)s buildings, %(share).1f%% of the floor area, were built before %(cutoff)s; "
        "at least %(least).0f%% is required."
    ) % {"old": agg["old_n"], "n": agg["n"], "share": share * 100, "cutoff": cutoff, "least": least * 100}
    if agg["unknown"]:
        reason += " " + gettext("%(n)s buildings have no year built recorded.") % {"n": agg["unknown"]}
    return Rule("built_before", label, share >= least - 1e-9, reason)


def rule_not_demolished(compound):
    label = gettext("Not in a demolition plan")
    srid = metric_srid_for(compound.boundary)
    tolerance = conf("DEMOLITION_TOLERANCE_M2")
    overlaps = [
        (p.name, p.overlap_m2)
        for p in DemolitionPlan.objects.filter(area__intersects=compound.boundary)
        .annotate(overlap_m2=MetricArea(Intersection("area", compound.boundary), srid))
        .order_by("-overlap_m2")
    ]
    overlaps += demolition_overlaps(compound.boundary)
    overlaps = [(name, m2) for name, m2 in overlaps if m2 > tolerance]
    if overlaps:
        return Rule(
            "not_demolished",
            label,
            False,
            gettext("%(m2).1f m² of the compound lies in the demolition plan %(plan)s.")
            % {"m2": overlaps[0][1], "plan": overlaps[0][0]},
        )
    return Rule("not_demolished", label, True, gettext("The compound lies outside every demolition plan."))


def rule_multi_storey(compound):
    least = conf("MIN_STOREYS")
    label = gettext("Multi-storey")
    agg = compound_buildings(compound).aggregate(
        n=Count("id"), unknown=Count("id", filter=Q(storeys__isnull=True)), low=Min("storeys")
    )
    if not agg["n"]:
        return Rule("multi_storey", label, False, gettext("No buildings are recorded for this compound."))
    if agg["unknown"]:
        return Rule(
            "multi_storey",
            label,
            False,
            gettext("%(n)s of %(total)s buildings have no storeys recorded.")
            % {"n": agg["unknown"], "total": agg["n"]},
        )
    if agg["low"] < least:
        low = compound_buildings(compound).filter(storeys__lt=least).order_by("storeys", "name").first()
        return Rule(
            "multi_storey",
            label,
            False,
            gettext("Building %(name)s has %(storeys)s storeys; at least %(least)s are required.")
            % {"name": low.name, "storeys": low.storeys, "least": least},
        )
    return Rule(
        "multi_storey",
        label,
        True,
        gettext("All %(n)s buildings have %(least)s storeys or more.") % {"n": agg["n"], "least": least},
    )


def rule_consent(compound, project):
    from planning.consent import consent

    share = conf("CONSENT_SHARE")
    pct = round(float(share) * 100, 1)
    label = gettext("Owner consent ≥ %(pct)s%%") % {"pct": pct}
    if project is None:
        return Rule("consent", label, False, gettext("No consent survey has been run for this compound."))
    c = consent(project, compound.boundary)
    if not c.households:
        return Rule("consent", label, False, gettext("No households are registered in this compound."))
    detail = gettext(
        "%(agree)s of %(n)s households agree (%(hh).1f%%), %(area).1f%% of the floor area; %(pct)s%% is required."
    ) % {"agree": c.agree, "n": c.households, "hh": c.by_households_pct, "area": c.by_area_pct, "pct": pct}
    passed = c.by_households >= share and (c.floor_area_m2 == 0 or c.by_area >= float(share))
    return Rule("consent", label, passed, detail)


def rule_fee_collection(compound):
    least = conf("FEE_COLLECTION_PCT")
    label = gettext("Property-fee collection ≥ %(pct)s%%") % {"pct": least}
    record = CompoundRecord.objects.filter(compound=compound).first()
    if record is None or record.fee_collection_pct is None:
        return Rule("fee_collection", label, False, gettext("No property-fee collection rate is recorded."))
    passed = record.fee_collection_pct >= least
    return Rule(
        "fee_collection",
        label,
        passed,
        gettext("%(rate)s%% of property fees are collected; %(least)s%% is required.")
        % {"rate": record.fee_collection_pct, "least": least},
    )


def check_compound(compound, project=None):
    return [
        rule_built_before(compound),
        rule_not_demolished(compound),
        rule_multi_storey(compound),
        rule_consent(compound, project),
        rule_fee_collection(compound),
    ]


def check_project(project):
    """[(compound, rules, passed)] for every compound of the project's zone."""
    results = []
    for compound in project.zone.compounds.order_by("name"):
        rules = check_compound(compound, project)
        results.append((compound, rules, all(r.passed for r in rules)))
    return results
