from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsibilityConfig(AppConfig):
    name = "responsibility"
    verbose_name = _("Responsibility")

    def ready(self):
        from responsibility import access

        access.register_all()
        from django.apps import apps as installed

        if installed.is_installed("ogc"):
            from responsibility import ogc as ogc_collections

            ogc_collections.register_collections()
        from django.apps import apps

        if apps.is_installed("layers"):
            from responsibility.imports import register_import_target

            register_import_target()
