"""Assigning grid workers to cells, several at once, keeping the history of who held each cell when."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from accounts import policy
from grids.models import Community, GridAssignment, GridCell


@transaction.atomic
def assign_worker(user, cell_ids, worker, role, start, end=None):
    """Give worker the cells from start (to end). A new primary worker ends the previous one the day before.

    The acting user must manage every community concerned; all or nothing.
    """
    if end and end < start:
        raise ValidationError(gettext("The end date is before the start date."))
    cells = list(GridCell.objects.filter(id__in=cell_ids).select_for_update())
    if len(cells) != len(set(cell_ids)):
        raise ValidationError(gettext("Some of the chosen cells do not exist."))
    if not cells:
        raise ValidationError(gettext("Choose at least one grid cell."))
    for community in Community.objects.filter(cells__in=cells).distinct():
        if not policy.manages_community(user, community):
            raise PermissionDenied(gettext("You do not manage community %(c)s.") % {"c": community.name})
    if role == GridAssignment.Role.PRIMARY:
        current = GridAssignment.objects.filter(cell__in=cells, role=GridAssignment.Role.PRIMARY).filter(
            Q(end__isnull=True) | Q(end__gte=start)
        )
        if current.filter(start__gte=start).exclude(worker=worker).exists():
            raise ValidationError(
                gettext("A primary worker starting on or after %(d)s is already planned for a chosen cell.")
                % {"d": start}
            )
        current.filter(start__lt=start).update(end=start - timedelta(days=1))
    else:
        GridAssignment.objects.filter(cell__in=cells, worker=worker, role=role).filter(
            Q(end__isnull=True) | Q(end__gte=start), start__lt=start
        ).update(end=start - timedelta(days=1))
    return GridAssignment.objects.bulk_create(
        GridAssignment(cell=c, worker=worker, role=role, start=start, end=end) for c in cells
    )
