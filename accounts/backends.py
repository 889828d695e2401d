"""Permissions that fail closed: a user holds a role's permissions only through a membership with an area.

Django's group permissions alone would let an account put into a role group without a membership (or given
permissions directly) act everywhere. This backend answers `user.has_perm` from the access policy's grants
instead: the permissions of the roles the user holds with an area (a district, street, community, cell, their
household or department), and permissions given directly or by other groups only if the user holds some area
(they widen what is done there, never where); administrators hold all. Which records those permissions reach
is the policy's `scope`/`allows`.
"""

from django.contrib.auth.backends import ModelBackend

from accounts import policy


class PolicyBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None):
        return set()  # counted in get_group_permissions, and only with an area

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return policy.grants_of(user_obj).perms

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if policy.is_admin(user_obj):
            from django.contrib.auth.models import Permission

            if not hasattr(user_obj, "_policy_all_perms"):
                rows = Permission.objects.values_list("content_type__app_label", "codename")
                user_obj._policy_all_perms = {f"{app}.{codename}" for app, codename in rows}
            return user_obj._policy_all_perms
        return self.get_group_permissions(user_obj)
