from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CogovConfig(AppConfig):
    name = "cogov"
    verbose_name = _("Co-governance")

    def ready(self):
        from cases import photos
        from cogov import access
        from cogov.models import AssessmentPhoto

        access.register_all()
        photos.register("assessment", AssessmentPhoto)  # re-encoded by the worker (cases/photos.py)
        from cogov import hooks

        hooks.connect_landed_sources()
        from django.apps import apps

        if apps.is_installed("cases"):
            hooks.connect_case_signals()
