from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from assets.models import Adoption, Asset, AssetFamily, AssetPhoto, AssetType, Inspection, MaintenanceLog


class TypeInline(admin.TabularInline):
    model = AssetType
    extra = 0


@admin.register(AssetFamily)
class AssetFamilyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "colour"]
    inlines = [TypeInline]


@admin.register(AssetType)
class AssetTypeAdmin(admin.ModelAdmin):
    list_display = ["full_code", "name", "name_en", "geometry_kind", "public", "adoptable", "green_area"]
    list_filter = ["family", "geometry_kind", "public"]
    search_fields = ["name", "name_en", "code"]


class PhotoInline(admin.TabularInline):
    model = AssetPhoto
    extra = 0


class InspectionInline(admin.TabularInline):
    model = Inspection
    extra = 0
    autocomplete_fields = ["inspector"]


@admin.register(Asset)
class AssetAdmin(LeafletGeoAdmin):
    list_display = ["identifier", "name", "type", "condition", "cell", "open_for_adoption"]
    list_filter = ["type__family", "type", "condition", "open_for_adoption"]
    search_fields = ["identifier", "name"]
    readonly_fields = ["identifier", "district", "cell", "community", "area_m2", "length_m"]
    inlines = [PhotoInline, InspectionInline]


class LogInline(admin.TabularInline):
    model = MaintenanceLog
    extra = 0


@admin.register(Adoption)
class AdoptionAdmin(admin.ModelAdmin):
    list_display = ["asset", "adopter_kind", "start", "end", "status"]
    list_filter = ["status", "adopter_kind"]
    search_fields = ["asset__name", "asset__identifier"]
    raw_id_fields = ["asset", "applicant"]
    inlines = [LogInline]
