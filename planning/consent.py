"""Consent survey: one vote per household and project; live rates by households and by floor area.

A household's floor area is its building's floor area (footprint × storeys, m² on the UTM zone) shared equally
among the building's registered households; households without a building carry no floor area.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, FloatField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from common.geometry import metric_srid_for
from grids.models import Household
from planning.models import Vote
from planning.stats import MetricArea, households_inside


@dataclass
class Consent:
    households: int
    voted: int
    agree: int
    disagree: int
    abstain: int
    floor_area_m2: float
    agree_area_m2: float

    @property
    def by_households(self):
        return Fraction(self.agree, self.households) if self.households else Fraction(0)

    @property
    def by_area(self):
        return self.agree_area_m2 / self.floor_area_m2 if self.floor_area_m2 else 0.0

    @property
    def by_households_pct(self):
        return round(float(self.by_households) * 100, 1)

    @property
    def by_area_pct(self):
        return round(self.by_area * 100, 1)

    def as_dict(self):
        return {
            "households": self.households,
            "voted": self.voted,
            "agree": self.agree,
            "disagree": self.disagree,
            "abstain": self.abstain,
            "floor_area_m2": round(self.floor_area_m2, 1),
            "agree_area_m2": round(self.agree_area_m2, 1),
            "by_households_pct": self.by_households_pct,
            "by_area_pct": self.by_area_pct,
        }


def with_votes(households, project):
    vote = Vote.objects.filter(project=project, household=OuterRef("pk"))
    return households.annotate(vote=Subquery(vote.values("choice")[:1]))


def consent(project, geom):
    """Votes of the project's survey among the households inside geom (a zone or a compound)."""
    srid = metric_srid_for(geom)
    per_building = (
        Household.objects.filter(building=OuterRef("building"))
        .order_by()
        .values("building")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = with_votes(households_inside(geom), project).annotate(
        share=MetricArea("building__footprint", srid) * F("building__storeys") / Subquery(per_building)
    )
    agg = rows.aggregate(
        households=Count("id"),
        voted=Count("id", filter=Q(vote__isnull=False)),
        agree=Count("id", filter=Q(vote=Vote.Choice.AGREE)),
        disagree=Count("id", filter=Q(vote=Vote.Choice.DISAGREE)),
        abstain=Count("id", filter=Q(vote=Vote.Choice.ABSTAIN)),
        floor_area_m2=Coalesce(Sum("share", output_field=FloatField()), 0.0),
        agree_area_m2=Coalesce(Sum("share", filter=Q(vote=Vote.Choice.AGREE), output_field=FloatField()), 0.0),
    )
    return Consent(**agg)


def not_voted(project):
    """Households of the project's zone that have not voted yet (for grid workers only)."""
    return with_votes(households_inside(project.zone.boundary), project).filter(vote__isnull=True)


def record_vote(project, household, choice, *, channel, user=None):
    """Cast or change a household's vote. The household must be inside the zone and the survey open."""
    from planning.models import STAGE_ORDER, Stage

    if choice not in Vote.Choice.values:
        raise ValidationError(gettext("Choose agree, disagree or abstain."))
    if project.stage_index >= STAGE_ORDER.index(Stage.PUBLICATION):
        raise ValidationError(gettext("The consent survey of this project is closed."))
    if not households_inside(project.zone.boundary).filter(pk=household.pk).exists():
        raise ValidationError(gettext("This household is not inside the project's zone."))
    if channel == Vote.Channel.WORKER:
        from accounts import policy

        if user is None or not policy.allows(user, "planning.add_vote", household):
            raise PermissionDenied(
                gettext("Only grid workers and planners record votes, for households of their area.")
            )
    with transaction.atomic():
        vote, created = Vote.objects.select_for_update().get_or_create(
            project=project,
            household=household,
            defaults={"choice": choice, "channel": channel, "recorded_by": user},
        )
        if not created and vote.choice != choice:
            vote.choice, vote.channel, vote.recorded_by = choice, channel, user
            vote.changes += 1
            vote.save()
    return vote
