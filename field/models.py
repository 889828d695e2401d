"""Patrols (巡查): a grid worker's walk through their cells, recorded on the phone (maybe offline), sent at its end."""

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.geometry import validate_geometry
from common.models import TimeStampedModel

MAX_PATROL_HOURS = 16


class Patrol(TimeStampedModel):
    """One patrol: its track (one line per stretch walked between pauses, thinned on the phone to a point every
    10–20 m), when it started and ended, and the time walked without the pauses. Its cell is the cell the track
    runs through longest; its length is computed in the database, in metres on the spheroid."""

    client_id = models.UUIDField(_("client id"), unique=True, editable=False)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("grid worker")
    )
    cell = models.ForeignKey(
        "grids.GridCell",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="patrols",
        verbose_name=_("grid cell"),
    )
    started_at = models.DateTimeField(_("started at"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"))
    walking_seconds = models.PositiveIntegerField(_("time walked (s)"), default=0)
    track = models.MultiLineStringField(_("track"), srid=4326)
    length_m = models.FloatField(_("length (m)"), default=0, editable=False)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.worker} · {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    def clean(self):
        super().clean()
        errors = {}
        if self.track is not None:
            try:
                validate_geometry(self.track, kinds=("MultiLineString",), label=gettext("Track"))
            except ValidationError as exc:
                errors["track"] = exc.messages
        if self.started_at and self.ended_at:
            if self.ended_at <= self.started_at:
                errors["ended_at"] = gettext("A patrol ends after it starts.")
            elif self.ended_at - self.started_at > timedelta(hours=MAX_PATROL_HOURS):
                errors["ended_at"] = gettext("A patrol lasts at most %(n)s hours.") % {"n": MAX_PATROL_HOURS}
            if self.ended_at > timezone.now() + timedelta(minutes=5):
                errors["ended_at"] = gettext("A patrol cannot end in the future.")
            elif self.walking_seconds > (self.ended_at - self.started_at).total_seconds() + 1:
                errors["walking_seconds"] = gettext("The time walked is longer than the patrol.")
        if errors:
            raise ValidationError(errors)
