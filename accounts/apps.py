from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and audit")

    def ready(self):
        from django.contrib import admin

        from accounts import access
        from accounts.second_factor import AdminSite

        access.register_all()
        from accounts import policy
        from common import hooks

        hooks.access_policy.set(policy)
        admin.site.__class__ = AdminSite
        from accounts import audit

        audit.register_domain_models()
