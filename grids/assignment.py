"""Bulk assignment of located rows (households, buildings) to their grid cell and community.

One UPDATE statement per call: each row's cell is looked up through the GiST index of the cell
boundaries with a correlated subquery, so a million rows cost one statement, not a million.
A point on a shared edge goes to the cell with the lowest id, deterministically.
"""

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def assign_cells(queryset):
    from grids.models import Community, GridCell

    location = queryset.model.location_field
    cell = GridCell.objects.filter(boundary__covers=OuterRef(location)).order_by("id")
    community = Community.objects.filter(boundary__covers=OuterRef(location)).order_by("id")
    return queryset.update(
        cell=Subquery(cell.values("id")[:1]),
        community=Coalesce(Subquery(cell.values("community_id")[:1]), Subquery(community.values("id")[:1])),
    )
