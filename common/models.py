from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Localised:
    """Reference data (asset families and types, case categories …) carries a Chinese `name` and an English
    `name_en`; `label` and str() give the one of the active language (Chinese when there is no English name)."""

    @property
    def label(self):
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") and self.name_en else self.name

    def __str__(self):
        return self.label


class CodeManager(models.Manager):
    """Natural key by a unique `code` (fixtures name reference data by its code, not its id)."""

    def get_by_natural_key(self, code):
        return self.get(code=code)


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


class SoftDeleteQuerySet(models.QuerySet):
    """Deleting through a queryset marks the rows deleted; hard_delete() removes them for good."""

    def delete(self):
        from django.utils import timezone

        count = self.update(deleted_at=timezone.now())
        return count, {self.model._meta.label: count}

    def hard_delete(self):
        return super().delete()


class AliveManager(models.Manager):
    """The default manager of soft-deleted models: rows marked deleted are left out everywhere."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeleteModel(models.Model):
    """Domain records are never removed by a delete: they are marked deleted and hidden, so their history and
    the records pointing at them survive. The delete signals still fire (the audit trail records the delete)."""

    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def delete(self, using=None, keep_parents=False):
        from django.db import transaction
        from django.db.models import signals
        from django.utils import timezone

        using = using or "default"
        with transaction.atomic(using=using):
            signals.pre_delete.send(sender=type(self), instance=self, using=using, origin=self)
            self.deleted_at = timezone.now()
            type(self)._base_manager.using(using).filter(pk=self.pk).update(deleted_at=self.deleted_at)
            signals.post_delete.send(sender=type(self), instance=self, using=using, origin=self)
        return 1, {self._meta.label: 1}

    def restore(self):
        self.deleted_at = None
        type(self)._base_manager.filter(pk=self.pk).update(deleted_at=None)
