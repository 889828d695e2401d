from django.contrib import admin

from cogov.models import AssessmentPhoto, BoardEntry, CatalogueItem, LedgerEntry, PointRule, Rating, Redemption


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "source", "points", "monthly_cap", "active"]
    list_filter = ["source", "active"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by the points services and reversed, never edited."""

    list_display = ["at", "household", "points", "rule", "source", "granted_by", "reverses"]
    list_filter = ["source", "rule"]
    raw_id_fields = ["household"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CatalogueItem)
class CatalogueItemAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "price", "stock", "active"]
    list_filter = ["active", "community"]


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ["at", "household", "item", "quantity", "points"]
    raw_id_fields = ["household"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PhotoInline(admin.TabularInline):
    """Photos come with the assessment (cogov.services.assess) and are re-encoded without metadata by the worker
    (cases/photos.py): none is added or replaced here, where it would be stored as sent."""

    model = AssessmentPhoto
    extra = 0
    fields = ["image", "caption", "status"]
    readonly_fields = ["image", "status"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Ratings move through cogov.services (assess, decide: the award's points and red-board line come with it),
    so their status and score are not edited here."""

    list_display = ["year", "kind", "household", "status", "score"]
    readonly_fields = ["status", "score"]
    list_filter = ["kind", "status", "year"]
    raw_id_fields = ["household"]
    inlines = [PhotoInline]


@admin.register(BoardEntry)
class BoardEntryAdmin(admin.ModelAdmin):
    list_display = ["community", "board", "household", "alias", "reason", "published", "until"]
    list_filter = ["board", "community"]
    raw_id_fields = ["household"]
