from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "field"
    verbose_name = _("Field workspace")

    def ready(self):
        from field import access

        access.register_all()
