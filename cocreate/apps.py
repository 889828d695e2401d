from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CocreateConfig(AppConfig):
    name = "cocreate"
    verbose_name = _("Co-creation")

    def ready(self):
        # DRF's settings name classes of common.api, and common.api imports rest_framework.views: loading the views
        # first closes that loop in the order that works, whichever system check happens to read the settings first.
        import rest_framework.views  # noqa: F401

        from cocreate import access, dashboard, evaluation

        access.register_all()
        evaluation.connect_gate()
        dashboard.register()
