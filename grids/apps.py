from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Grids")

    def ready(self):
        from grids import access

        access.register_all()
        from common import dashboard as dashboard_sections
        from grids import summary

        dashboard_sections.register_summary(
            "grids", summary.pending, summary.refresh, order=10, rebuild=summary.rebuild
        )
        from django.apps import apps

        if apps.is_installed("ogc"):
            from grids import ogc as ogc_collections

            ogc_collections.register_collections()
