from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from cases import access

        access.register_all()
        from auditlog.signals import pre_log

        from cases import intake

        pre_log.connect(intake.hold_back_own_entries, dispatch_uid="cases-intake-own-entries")
        from django.apps import apps as installed

        if installed.is_installed("ogc"):
            from cases import ogc as ogc_collections

            ogc_collections.register_collections()
        from cases import dashboard
        from common import dashboard as dashboard_sections

        dashboard_sections.register("cases", dashboard.section, order=30)
        from cases import summary

        dashboard_sections.register_summary(
            "cases", summary.pending, summary.refresh, order=30, rebuild=summary.rebuild
        )
        from django.apps import apps

        if apps.is_installed("planning"):
            from cases import zone_figures
            from planning import providers

            providers.register("cases", zone_figures.zone_figures)
