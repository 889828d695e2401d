from django.urls import path

from cogov import views

app_name = "cogov"

urlpatterns = [
    path("dashboard/", views.dashboard_home, name="dashboard-home"),
    path("dashboard/<str:level>/<int:pk>/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/<str:level>/<int:pk>/report.<str:fmt>", views.DashboardView.as_view(), name="dashboard-export"),
    path("boards/<int:pk>/", views.BoardsView.as_view(), name="boards"),
]
