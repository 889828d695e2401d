from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CocreateConfig(AppConfig):
    name = "cocreate"
    verbose_name = _("Co-creation")

    def ready(self):
        from cocreate import access, dashboard, evaluation

        access.register_all()
        evaluation.connect_gate()
        dashboard.register()
