from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CocreateConfig(AppConfig):
    name = "cocreate"
    verbose_name = _("Co-creation")

    def ready(self):
        # DRF's settings name classes of common.api, and common.api imports rest_framework.views: loading the views
        # first closes that loop in the order that works, whichever system check happens to read the settings first.
        import rest_framework.views  # noqa: F401

        from cases import photos
        from cocreate import access, dashboard, evaluation
        from cocreate.models import MediationPhoto, NeedPhoto

        access.register_all()
        photos.register("need", NeedPhoto)  # re-encoded by the worker (cases/photos.py)
        photos.register("mediation", MediationPhoto)
        evaluation.connect_gate()
        dashboard.register()
