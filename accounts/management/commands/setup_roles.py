from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from accounts.models import ROLE_GROUPS
from accounts.roles import role_spec_permissions


class Command(BaseCommand):
    help = "Create one group per role with its permissions (idempotent)."

    def handle(self, **options):
        for role, group_name in ROLE_GROUPS.items():
            group, _ = Group.objects.get_or_create(name=group_name)
            perms = role_spec_permissions(role)
            group.permissions.set(perms)
        self.stdout.write(f"{len(ROLE_GROUPS)} role groups ready")
