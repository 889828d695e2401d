"""矛盾纠纷调解: figures per community (received, mediated, agreement reached, agreed within 30 days)."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts import policy
from cocreate.models import FollowUp, Mediation, MediationPhoto, MediationSession


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


def record_step(mediation, user, step, on, note, photos=()):
    """A session, the agreement (text and photos of the signed paper), no agreement, or a follow-up visit; by the
    mediators of the community or the parties' grid worker. The photos are checked from their headers here and
    re-encoded without metadata by the worker (cases/photos.py)."""
    from cases.photos import check_photos, keep

    if not policy.allows(user, "change", mediation):
        raise PermissionDenied(policy.denied_message("change", mediation))
    if on > timezone.localdate():
        raise ValidationError({"on": gettext("The date is still to come.")})
    if on < mediation.received_on:
        raise ValidationError({"on": gettext("The date is before the dispute was received.")})
    images = check_photos(photos)
    with transaction.atomic():
        if step == "session":
            MediationSession.objects.create(mediation=mediation, held_on=on, mediator=user, note=note)
            if mediation.status == Mediation.Status.RECEIVED:
                Mediation.objects.filter(pk=mediation.pk).update(status=Mediation.Status.MEDIATING)
        elif step == "agreement":
            Mediation.objects.filter(pk=mediation.pk).update(
                status=Mediation.Status.AGREED, agreed_on=on, agreement=note
            )
            keep(MediationPhoto, images, mediation=mediation)
        elif step == "failed":
            Mediation.objects.filter(pk=mediation.pk).update(status=Mediation.Status.FAILED)
            MediationSession.objects.create(mediation=mediation, held_on=on, mediator=user, note=note)
        elif step == "followup":
            FollowUp.objects.create(mediation=mediation, on=on, by=user, note=note)
        else:
            raise ValidationError({"step": gettext("Unknown step.")})
