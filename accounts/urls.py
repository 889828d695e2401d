from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("two-factor/", views.TwoFactorView.as_view(), name="two-factor"),
    path("tokens/", views.TokensView.as_view(), name="tokens"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
    path("audit/export.csv", views.AuditExportView.as_view(), name="audit-export"),
    path("audit/<str:app_label>.<str:model>/<str:pk>/", views.RecordHistoryView.as_view(), name="record-history"),
]
