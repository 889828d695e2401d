from django.contrib import admin

from common.models import PersonalDataReveal


@admin.register(PersonalDataReveal)
class PersonalDataRevealAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "model", "object_id", "fields"]
    list_filter = ["model"]
    search_fields = ["object_id", "user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
