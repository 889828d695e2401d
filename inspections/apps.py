from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = pgettext_lazy("inspections", "Inspections")

    def ready(self):
        from cases import photos
        from field import inbox
        from inspections import access, services
        from inspections.models import InspectionPhoto

        access.register_all()
        photos.register("inspection", InspectionPhoto)  # re-encoded by the worker (cases/photos.py)
        inbox.register_source("inspections", services.inbox_rows, services.due_count)
