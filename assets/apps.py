from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = _("Assets and adoption")

    def ready(self):
        from assets import access

        access.register_all()
        from django.apps import apps as installed

        if installed.is_installed("ogc"):
            from assets import ogc as ogc_collections

            ogc_collections.register_collections()
        from assets import dashboard
        from common import dashboard as dashboard_sections

        dashboard_sections.register("assets", dashboard.section, order=10)
        from assets import summary

        dashboard_sections.register_summary(
            "assets", summary.pending, summary.refresh, order=20, rebuild=summary.rebuild
        )
        from django.apps import apps

        if apps.is_installed("layers"):
            from assets.models import Asset
            from layers.tiles import TileLayer, register_tile_layer

            # Public facilities only (types marked public); from street level down, where single assets matter.
            register_tile_layer(
                TileLayer(
                    "asset",
                    lambda: Asset.objects.public(),
                    "geom",
                    ["identifier", "name", "type__family__code", "type__code", "condition"],
                    min_zoom=12,
                )
            )
            # The public facility map: clusters per zoom below street level, single facilities from there on.
            from assets import map_tiles

            map_tiles.register()
        if apps.is_installed("planning"):
            # Assets and adopted green area inside a renovation zone, on the zone page.
            from assets import zone_figures
            from planning import providers

            providers.register("assets", zone_figures.asset_statistics)
