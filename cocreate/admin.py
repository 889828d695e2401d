"""The admin for administrators: every co-creation record (mediations included, administrators read them all)."""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from cocreate import models as m


@admin.register(m.Need)
class NeedAdmin(LeafletGeoAdmin):
    list_display = ["title", "community", "topic", "status", "supporters", "created_at"]
    list_filter = ["status", "topic"]
    raw_id_fields = ["author"]


@admin.register(m.Resource)
class ResourceAdmin(LeafletGeoAdmin):
    list_display = ["title", "kind", "community", "offered_by"]
    list_filter = ["kind"]


@admin.register(m.CoProject)
class CoProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "status", "renovation"]
    list_filter = ["status"]
    filter_horizontal = ["needs"]


class DecisionInline(admin.StackedInline):
    model = m.Decision
    extra = 0
    raw_id_fields = ["need", "task", "case", "item"]


@admin.register(m.Meeting)
class MeetingAdmin(LeafletGeoAdmin):
    list_display = ["title", "community", "held_at", "venue", "published_at"]
    raw_id_fields = ["households", "agenda"]
    inlines = [DecisionInline]


@admin.register(m.Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "owner", "deadline", "done_at"]
    raw_id_fields = ["owner"]


@admin.register(m.Campaign)
class CampaignAdmin(LeafletGeoAdmin):
    list_display = ["name", "community", "start", "end"]
    filter_horizontal = ["categories"]
    raw_id_fields = ["cells"]


@admin.register(m.Contribution)
class ContributionAdmin(LeafletGeoAdmin):
    list_display = ["kind", "public_name", "project", "campaign", "facility", "on", "amount", "hours", "area_m2"]
    list_filter = ["kind", "contributor_kind"]
    raw_id_fields = ["household", "project", "campaign", "facility"]

    def save_model(self, request, obj, form, change):
        """Through the service, so that volunteer labour earns its points (once)."""
        from cocreate.services import record_contribution

        record_contribution(obj, request.user)


class SessionInline(admin.TabularInline):
    model = m.MediationSession
    extra = 0


class FollowUpInline(admin.TabularInline):
    model = m.FollowUp
    extra = 0


@admin.register(m.Mediation)
class MediationAdmin(LeafletGeoAdmin):
    list_display = ["subject", "community", "received_on", "status", "agreed_on"]
    list_filter = ["status"]
    raw_id_fields = ["parties"]
    inlines = [SessionInline, FollowUpInline]


@admin.register(m.Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = ["user", "community"]
    raw_id_fields = ["user"]


@admin.register(m.CaseRating)
class CaseRatingAdmin(admin.ModelAdmin):
    list_display = ["case", "level", "created_at"]
    list_filter = ["level"]
    raw_id_fields = ["case", "rater"]


@admin.register(m.ProjectRating)
class ProjectRatingAdmin(admin.ModelAdmin):
    list_display = ["project", "household", "level", "created_at"]
    list_filter = ["level"]
    raw_id_fields = ["household", "recorded_by"]
