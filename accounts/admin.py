from django.contrib import admin

from accounts.models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "district", "street", "community", "cell", "department"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name"]
    raw_id_fields = ["user", "district", "street", "community", "cell", "household"]
