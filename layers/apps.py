from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = _("Layers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from layers import access

        access.register_all()
        from django.apps import apps as installed

        if installed.is_installed("ogc"):
            from layers import ogc as ogc_collections

            ogc_collections.register_collections()
        from common import hooks
        from layers import entity_export

        hooks.exporter.set(entity_export)
        # Built-in import targets and tile layers; other apps register theirs in their own ready().
        from layers import builtin  # noqa: F401
