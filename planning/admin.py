from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from planning.models import Comment, CompoundRecord, DemolitionPlan, Item, Project, Vote, Zone


@admin.register(DemolitionPlan)
class DemolitionPlanAdmin(LeafletGeoAdmin):
    list_display = ["name", "until_year"]
    search_fields = ["name"]


@admin.register(CompoundRecord)
class CompoundRecordAdmin(admin.ModelAdmin):
    list_display = ["compound", "fee_collection_pct", "state_owned_land"]
    search_fields = ["compound__name"]
    autocomplete_fields = ["compound"]


@admin.register(Zone)
class ZoneAdmin(LeafletGeoAdmin):
    list_display = ["name", "buffer_m", "stats_at"]
    search_fields = ["name"]
    filter_horizontal = ["compounds"]


class ItemInline(admin.TabularInline):
    """Items of a project; once it is on public notice they change on the project page, where each change is
    logged for the public (planning.workflow.save_item), not here."""

    model = Item
    extra = 0

    def _open(self, obj):
        return obj is None or not obj.is_published

    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "zone", "stage", "published_on"]
    list_filter = ["stage"]
    readonly_fields = ["stage", "published_on"]
    inlines = [ItemInline]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["project", "household", "choice", "channel", "changes", "updated_at"]
    list_filter = ["project", "choice", "channel"]
    raw_id_fields = ["household"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["project", "at", "status", "text"]
    list_filter = ["status", "project"]
    exclude = ["client"]
