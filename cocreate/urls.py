from django.urls import path

from cocreate import views

app_name = "cocreate"

urlpatterns = [
    path("community/<int:pk>/needs/", views.needs, name="needs"),
    path("need/new/", views.need_new, name="need-new"),
    path("need/<int:pk>/support/", views.need_support, name="need-support"),
    path("meeting/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meeting/<int:pk>/publish/", views.meeting_publish, name="meeting-publish"),
    path("meeting/<int:pk>/agenda/", views.meeting_agenda, name="meeting-agenda"),
    path("community/<int:pk>/meeting/new/", views.meeting_new, name="meeting-new"),
    path("notices/", views.notices, name="notices"),
    path("rate/<str:token>/", views.rate_case, name="rate-case"),
    path("project/<int:pk>/rate/", views.rate_project, name="rate-project"),
    path("project/<int:pk>/thanks/", views.project_thanks, name="thanks"),
    path("campaign/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaign/<int:pk>/finding/", views.campaign_finding, name="campaign-finding"),
    path(
        "campaign/<int:pk>/contribution/new/",
        views.contribution_new,
        {"target": "campaign"},
        name="campaign-contribution",
    ),
    path(
        "project/<int:pk>/contribution/new/", views.contribution_new, {"target": "project"}, name="project-contribution"
    ),
    path(
        "facility/<int:pk>/contribution/new/",
        views.contribution_new,
        {"target": "facility"},
        name="facility-contribution",
    ),
    path("community/<int:pk>/campaign/new/", views.campaign_new, name="campaign-new"),
    path("campaign/<int:pk>/spot-check/", views.spot_check_draw, name="spot-check-draw"),
    path("spot-check-item/<int:pk>/", views.spot_check_result, name="spot-check-result"),
    path("campaign/<int:pk>/board/", views.campaign_board, name="campaign-board"),
    path("mediations/", views.mediations, name="mediations"),
    path("mediation/<int:pk>/", views.mediation_detail, name="mediation"),
    path("mediation-photo/<int:pk>/", views.mediation_photo, name="mediation-photo"),
]
