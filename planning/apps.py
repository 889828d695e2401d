from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Renovation planning")

    def ready(self):
        from planning import access

        access.register_all()
        from django.apps import apps as installed

        if installed.is_installed("ogc"):
            from planning import ogc as ogc_collections

            ogc_collections.register_collections()
        from common import dashboard as dashboard_sections
        from planning import dashboard

        dashboard_sections.register("planning", dashboard.section, order=20)
        if apps.is_installed("layers"):
            # Green coverage from imagery: zones are a coverage target of the layers engine, and the zone page
            # shows their coverage (planning.providers).
            from layers import coverage
            from planning import imagery, providers
            from planning.models import Zone

            coverage.register(coverage.CoverageTarget("zone", Zone.objects.all, model=Zone))
            providers.register("imagery", imagery.zone_figures)
        # Demolition plans can be imported from a file (Shapefile, GeoPackage, GeoJSON…) with the layers app.
        if apps.is_installed("layers"):
            from layers.targets import Target, register
            from planning.models import DemolitionPlan

            register(
                Target(
                    name="demolitionplan",
                    label=_("demolition plan areas"),
                    model=DemolitionPlan,
                    geom_field="area",
                    geom_kinds=("MultiPolygon",),
                    fields={"name": _("name"), "until_year": _("planned until (year)")},
                    key_fields=["name"],
                    required=("name",),
                    permission="planning.add_demolitionplan",
                )
            )
