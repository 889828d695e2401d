from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from responsibility.models import Party, ResponsibilityArea


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["label", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "user__username", "user__first_name"]
    raw_id_fields = ["user", "household"]


@admin.register(ResponsibilityArea)
class ResponsibilityAreaAdmin(LeafletGeoAdmin):
    list_display = ["name", "kind", "party", "community", "start", "end"]
    list_filter = ["kind", "community"]
    search_fields = ["name"]
    raw_id_fields = ["party"]
