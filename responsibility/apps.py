from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsibilityConfig(AppConfig):
    name = "responsibility"
    verbose_name = _("Responsibility")

    def ready(self):
        from responsibility import access

        access.register_all()
        from django.apps import apps

        if apps.is_installed("layers"):
            from responsibility.imports import register_import_target

            register_import_target()
