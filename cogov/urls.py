from django.urls import path

from cogov import points, views

app_name = "cogov"

urlpatterns = [
    path("dashboard/", views.dashboard_home, name="dashboard-home"),
    path("dashboard/<str:level>/<int:pk>/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/<str:level>/<int:pk>/report.<str:fmt>", views.DashboardView.as_view(), name="dashboard-export"),
    path("boards/<int:pk>/", views.BoardsView.as_view(), name="boards"),
    path("points/", points.households, name="points"),
    path("points/<int:pk>/", points.household, name="points-household"),
    path("points/<int:pk>/grant/", points.grant_points, name="points-grant"),
    path("points/<int:pk>/reverse/", points.reverse, name="points-reverse"),
    path("points/<int:pk>/redeem/", points.redeem, name="points-redeem"),
    path("points/<int:pk>/return/", points.return_item, name="points-return"),
]
