from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from accounts.models import ROLE_GROUPS, Role

# What each role may do, by app and action; the area scope narrows it further (accounts.scoping).
ROLE_PERMISSIONS = {
    Role.ADMIN: "*",
    Role.MANAGER: {
        "grids": ["view", "add", "change"],
        "responsibility": ["view", "add", "change", "delete"],
        "assets": ["view", "add", "change"],
        "cases": ["view", "add", "change"],
        "planning": ["view"],
        "cogov": ["view", "add", "change"],
    },
    Role.DISPATCHER: {"grids": ["view"], "cases": ["view", "add", "change"], "responsibility": ["view"]},
    Role.WORKER: {"grids": ["view", "change"], "cases": ["view", "add", "change"], "assets": ["view", "add"]},
    Role.HANDLER: {"cases": ["view", "change"]},
    Role.PLANNER: {"planning": ["view", "add", "change"], "grids": ["view"]},
    Role.RESIDENT: {"grids": ["view"]},
}
# Named permissions beyond view/add/change/delete: the case flow's own (register, dispatch, close; verify on site).
EXTRA = {
    Role.WORKER: [
        # Grid workers keep the register of their cells: new buildings and households too.
        "grids.add_building",
        "grids.add_household",
        "grids.reveal_personal_data",
        "cases.verify_case",
        "planning.view_project",
        "planning.add_vote",
        "planning.view_vote",
    ],
    Role.RESIDENT: ["cogov.view_ledgerentry", "cogov.view_redemption"],
    Role.MANAGER: ["grids.reveal_personal_data", "cases.dispatch_case", "cases.verify_case"],
    Role.DISPATCHER: ["cases.dispatch_case"],
}
NEVER = {Role.PLANNER: ["grids.view_household", "grids.change_household"], Role.HANDLER: ["grids.view_household"]}


class Command(BaseCommand):
    help = "Create one group per role with its permissions (idempotent)."

    def handle(self, **options):
        for role, group_name in ROLE_GROUPS.items():
            group, _ = Group.objects.get_or_create(name=group_name)
            spec = ROLE_PERMISSIONS[role]
            if spec == "*":
                perms = Permission.objects.all()
            else:
                perms = Permission.objects.none()
                for app, actions in spec.items():
                    perms |= Permission.objects.filter(
                        content_type__app_label=app, codename__regex=rf"^({'|'.join(actions)})_"
                    )
            for label in EXTRA.get(role, []):
                app, codename = label.split(".")
                perms |= Permission.objects.filter(content_type__app_label=app, codename=codename)
            excluded = NEVER.get(role, [])
            perms = [p for p in perms if f"{p.content_type.app_label}.{p.codename}" not in excluded]
            group.permissions.set(perms)
        self.stdout.write(f"{len(ROLE_GROUPS)} role groups ready")
