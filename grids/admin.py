from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from grids.models import Building, Community, Compound, District, GridAssignment, GridCell, Household, Street


@admin.register(District)
class DistrictAdmin(LeafletGeoAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Street)
class StreetAdmin(LeafletGeoAdmin):
    list_display = ["name", "district", "code"]
    list_filter = ["district"]
    search_fields = ["name", "code"]


@admin.register(Community)
class CommunityAdmin(LeafletGeoAdmin):
    list_display = ["name", "street", "code", "kind"]
    list_filter = ["street", "kind"]
    search_fields = ["name", "code"]


class AssignmentInline(admin.TabularInline):
    model = GridAssignment
    extra = 0
    autocomplete_fields = ["worker"]


@admin.register(GridCell)
class GridCellAdmin(LeafletGeoAdmin):
    list_display = ["code", "name", "community"]
    list_filter = ["community__street", "community"]
    search_fields = ["code", "name"]
    readonly_fields = ["serial", "code"]
    inlines = [AssignmentInline]


@admin.register(Compound)
class CompoundAdmin(LeafletGeoAdmin):
    list_display = ["name", "community", "kind"]
    list_filter = ["kind", "community"]
    search_fields = ["name"]


@admin.register(Building)
class BuildingAdmin(LeafletGeoAdmin):
    list_display = ["name", "compound", "cell", "year_built", "storeys", "units"]
    list_filter = ["community"]
    search_fields = ["name"]
    readonly_fields = ["cell", "community"]


@admin.register(Household)
class HouseholdAdmin(LeafletGeoAdmin):
    """Personal fields appear masked in lists; the edit form is for users allowed to change households."""

    list_display = ["door_plate", "masked_head", "masked_phone", "residents", "status", "cell"]
    list_filter = ["status", "toilet", "elderly_alone", "low_income", "community"]
    search_fields = ["room", "address"]
    readonly_fields = ["cell", "community"]
    raw_id_fields = ["building", "linked_center"]

    @admin.display(description=Household._meta.get_field("head_name").verbose_name)
    def masked_head(self, obj):
        return obj.masked("head_name")

    @admin.display(description=Household._meta.get_field("phone").verbose_name)
    def masked_phone(self, obj):
        return obj.masked("phone")


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    list_display = ["cell", "worker", "role", "start", "end"]
    list_filter = ["role"]
    autocomplete_fields = ["worker"]
    raw_id_fields = ["cell"]
