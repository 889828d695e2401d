"""Annotated querysets shared by the API and the pages."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from grids.models import Building, Community, GridAssignment, GridCell, Household


def count_of(model, fk):
    sub = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def communities():
    return Community.objects.select_related("street__district").annotate(
        cell_count=count_of(GridCell, "community"), household_count=count_of(Household, "community")
    )


def cells(day=None):
    day = day or timezone.localdate()
    current = GridAssignment.objects.active_on(day).select_related("worker").primary_first()
    return (
        GridCell.objects.select_related("community__street__district")
        .prefetch_related(Prefetch("assignments", queryset=current, to_attr="current_assignments"))
        .annotate(household_count=count_of(Household, "cell"), building_count=count_of(Building, "cell"))
    )


def buildings():
    return Building.objects.select_related("cell", "compound").annotate(household_count=count_of(Household, "building"))


def households():
    return Household.objects.select_related("cell", "building")
