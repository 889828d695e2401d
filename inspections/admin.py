"""The admin for administrators: checklists with their items (checklists are data), and the inspections made."""

from django.contrib import admin

from inspections import models as m


class ItemInline(admin.TabularInline):
    model = m.ChecklistItem
    extra = 1


@admin.register(m.Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "target", "asset_type", "period", "start", "end", "active"]
    list_filter = ["period", "target", "active"]
    raw_id_fields = ["community", "cells"]
    inlines = [ItemInline]


class ResultInline(admin.TabularInline):
    model = m.ItemResult
    extra = 0
    raw_id_fields = ["item", "case"]


@admin.register(m.Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["checklist", "cell", "asset", "period_start", "inspector", "inspected_at"]
    list_filter = ["checklist"]
    raw_id_fields = ["checklist", "cell", "asset", "inspector"]
    readonly_fields = ["client_id", "period_start"]
    inlines = [ResultInline]
