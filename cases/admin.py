from django.contrib.gis import admin
from leaflet.admin import LeafletGeoAdmin

from cases.models import Case, CaseEvent, Category, CategoryFamily, Notification, Open311Client


@admin.register(CategoryFamily)
class CategoryFamilyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "family", "deadline_hours", "department", "component", "auto_close", "active"]
    list_filter = ["family", "active", "component", "auto_close"]


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    readonly_fields = ["action", "from_state", "to_state", "actor", "at", "note", "handler"]
    can_delete = False


@admin.register(Case)
class CaseAdmin(LeafletGeoAdmin):
    list_display = ["id", "category", "state", "community", "cell", "created_at", "deadline_at"]
    list_filter = ["state", "kind", "category__family"]
    readonly_fields = ["state", "version", "community", "cell", "dispatched_at", "deadline_at", "closed_at"]
    exclude = ["contact_name", "contact_phone"]
    inlines = [EventInline]


admin.site.register(Notification)
admin.site.register(Open311Client)
