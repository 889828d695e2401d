"""What each role may do (the permissions of its group); where, the access policy says (accounts.policy)."""

from accounts.models import Role

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
        "cocreate": ["view", "add", "change"],
        "inspections": ["view", "add", "change"],
    },
    Role.DISPATCHER: {
        "grids": ["view"],
        "cases": ["view", "add", "change"],
        "responsibility": ["view"],
        "cocreate": ["view"],
    },
    Role.WORKER: {
        "grids": ["view", "change"],
        "cases": ["view", "add", "change"],
        "assets": ["view", "add"],
        "cocreate": ["view", "add"],
    },
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
        # Patrols (field): a worker records their own; managers read those of their area.
        "field.add_patrol",
        "field.view_patrol",
        # Inspections: a worker fills checklists in the cells they hold and reads what was recorded there.
        "inspections.view_checklist",
        "inspections.view_checklistitem",
        "inspections.add_inspection",
        "inspections.view_inspection",
        "inspections.add_itemresult",
        "inspections.view_itemresult",
        "inspections.add_inspectionphoto",
        "inspections.view_inspectionphoto",
    ],
    Role.RESIDENT: ["cogov.view_ledgerentry", "cogov.view_redemption"],
    Role.MANAGER: ["grids.reveal_personal_data", "cases.dispatch_case", "cases.verify_case", "field.view_patrol"],
    Role.DISPATCHER: ["cases.dispatch_case"],
}
NEVER = {Role.PLANNER: ["grids.view_household", "grids.change_household"], Role.HANDLER: ["grids.view_household"]}


def role_spec_permissions(role):
    """The permissions of `role` as this spec gives them, as a Permission queryset."""
    from django.contrib.auth.models import Permission

    spec = ROLE_PERMISSIONS[role]
    if spec == "*":
        return list(Permission.objects.select_related("content_type"))
    perms = Permission.objects.none()
    for app, actions in spec.items():
        perms |= Permission.objects.filter(content_type__app_label=app, codename__regex=rf"^({'|'.join(actions)})_")
    for label in EXTRA.get(role, []):
        app, codename = label.split(".")
        perms |= Permission.objects.filter(content_type__app_label=app, codename=codename)
    excluded = NEVER.get(role, [])
    return [
        p for p in perms.select_related("content_type") if f"{p.content_type.app_label}.{p.codename}" not in excluded
    ]
