from django.urls import path

from planning import views

app_name = "planning"

urlpatterns = [
    path("", views.ZoneListView.as_view(), name="zone-list"),
    path("zone/new/", views.ZoneEditorView.as_view(), name="zone-create"),
    path("zone/<int:pk>/", views.ZoneDetailView.as_view(), name="zone-detail"),
    path("zone/<int:pk>/edit/", views.ZoneEditorView.as_view(), name="zone-update"),
    path("zone/<int:zone>/project/new/", views.ProjectCreateView.as_view(), name="project-create"),
    path("project/<int:pk>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("project/<int:pk>/survey/", views.SurveyView.as_view(), name="survey"),
    path("vote/<int:project>/<int:household>/<str:code>/", views.ResidentVoteView.as_view(), name="resident-vote"),
    path("plans/", views.PublicPlanListView.as_view(), name="public-plans"),
    path("plan/<int:pk>/", views.PublicPlanView.as_view(), name="public-plan"),
]
