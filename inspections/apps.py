from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = pgettext_lazy("inspections", "Inspections")

    def ready(self):
        from field import inbox
        from inspections import access, services

        access.register_all()
        inbox.register_source("inspections", services.inbox_rows, services.due_count)
