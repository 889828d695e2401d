"""矛盾纠纷调解: figures per community (received, mediated, agreement reached, agreed within 30 days)."""

from datetime import timedelta

from django.db.models import Count, F, Q

from cocreate.models import Mediation


def figures(queryset):
    """Per community: received, mediated (at least one session), agreement reached, agreed within 30 days."""
    return (
        queryset.order_by()
        .values("community__name")
        .annotate(
            received=Count("pk", distinct=True),
            mediated=Count("pk", filter=Q(sessions__isnull=False), distinct=True),
            agreed=Count("pk", filter=Q(status=Mediation.Status.AGREED), distinct=True),
            within_30=Count(
                "pk",
                filter=Q(status=Mediation.Status.AGREED, agreed_on__lte=F("received_on") + timedelta(days=30)),
                distinct=True,
            ),
        )
        .order_by("community__name")
    )
