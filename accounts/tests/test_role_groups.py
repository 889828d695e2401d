"""`migrate` leaves the role groups in place (the deployment image only migrates): after it, each role's group holds
what the role spec gives it, and the policy reads a role's permissions in one query instead of rebuilding them."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ROLE_GROUPS, Role
from accounts.policy import role_permissions
from accounts.roles import role_spec_permissions

pytestmark = pytest.mark.django_db


def test_migrate_makes_the_role_groups_with_the_specs_permissions():
    Group.objects.filter(name__in=ROLE_GROUPS.values()).delete()
    worker = Group(name=ROLE_GROUPS[Role.WORKER])
    worker.save()
    worker.permissions.set(Permission.objects.filter(codename="delete_user"))  # an older spec's grant
    emit_post_migrate_signal(0, False, "default", plan=[])
    assert set(Group.objects.filter(name__in=ROLE_GROUPS.values()).values_list("name", flat=True)) == set(
        ROLE_GROUPS.values()
    )
    held = set(Group.objects.get(name=ROLE_GROUPS[Role.WORKER]).permissions.all())
    assert held == set(role_spec_permissions(Role.WORKER)) and not any(p.codename == "delete_user" for p in held)
    with CaptureQueriesContext(connection) as queries:
        perms = role_permissions()
    assert len(queries) == 1 and perms[Role.WORKER] == {f"{p.content_type.app_label}.{p.codename}" for p in held}


def test_a_flush_leaves_the_groups_alone():
    call_command("setup_roles", verbosity=0)
    Group.objects.filter(name=ROLE_GROUPS[Role.PLANNER]).delete()
    emit_post_migrate_signal(0, False, "default")  # what flush sends: no plan
    assert not Group.objects.filter(name=ROLE_GROUPS[Role.PLANNER]).exists()
