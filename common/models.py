from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PersonalDataReveal(models.Model):
    """One line per reveal of masked personal data: who saw which record, when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("user"))
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    model = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64)
    fields = models.CharField(_("fields revealed"), max_length=200)

    class Meta:
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")
        ordering = ["-at"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self):
        return f"{self.user} · {self.model} {self.object_id} · {self.at:%Y-%m-%d %H:%M}"
