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
        from django.db.models.signals import post_migrate

        post_migrate.connect(groups_after_migrate, dispatch_uid="accounts.role_groups")


def groups_after_migrate(sender, using="default", plan=None, **kwargs):
    """Every `migrate` leaves one group per role with the permissions the role spec gives it now, so an installation
    that never ran `setup_roles` (the deployment image only migrates) neither rebuilds the roles' permissions from
    the spec on every request nor keeps groups of an older spec. It runs once, after the last app's permissions are
    made (post_migrate is sent per app, in INSTALLED_APPS order); a flush (plan None) leaves the groups alone."""
    import io

    from django.apps import apps
    from django.db import DEFAULT_DB_ALIAS

    if plan is None or using != DEFAULT_DB_ALIAS or sender.label != list(apps.get_app_configs())[-1].label:
        return
    from django.core.management import call_command

    call_command("setup_roles", stdout=io.StringIO())
