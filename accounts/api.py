"""The access policy in the API: one permission class and one viewset mixin that every model viewset uses.

- Lists and details show the records the user may read (`policy.scope(user, "view", …)`); a record outside the
  area answers 404 (its existence is not confirmed).
- Updates and deletes look the record up among those the user may change or delete: outside the area, 404 when
  the user cannot read it either, 403 when they can.
- Creates and updates run in one transaction and are checked after the save, with every derived field in place
  (the community and cell a geometry falls in): a record may not be moved or created outside the user's area.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from rest_framework import exceptions, permissions

from accounts import policy

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def model_of(view):
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer = getattr(view, "serializer_class", None)
    return serializer.Meta.model


class PolicyPermission(permissions.BasePermission):
    """Reading and writing through the access policy: the request's action must be held somewhere (object checks
    follow in the viewset's queryset and writes)."""

    message = "Your role does not allow this here."

    def has_permission(self, request, view):
        if getattr(view, "swagger_fake_view", False):
            return True
        action = METHOD_ACTIONS.get(request.method)
        if action is None:
            return False
        if getattr(view, "action", None) in getattr(view, "policy_actions", {}):
            action = view.policy_actions[view.action]
        if action == "view" and request.method in permissions.SAFE_METHODS:
            model = model_of(view)
            place = policy.place_of(model)
            if "view" in place.public or place.catalogue:
                return True
        if not request.user.is_authenticated:
            return False
        return policy.may_somewhere(request.user, action, model_of(view)) or action == "view"


class PolicyViewSetMixin:
    """A ModelViewSet whose reads and writes follow the access policy. `policy_actions` maps extra @actions to the
    policy action they need (e.g. {"approve": "change"}); unlisted detail actions read."""

    permission_classes = [PolicyPermission]
    policy_actions: dict = {}

    def policy_action(self):
        if self.action in self.policy_actions:
            return self.policy_actions[self.action]
        return {
            "update": "change",
            "partial_update": "change",
            "destroy": "delete",
            "create": "add",
        }.get(self.action, "view")

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs
        return policy.scope(self.request.user, "view", qs)

    def get_object(self):
        obj = super().get_object()  # among the readable records: 404 outside
        action = self.policy_action()
        if action != "view" and not policy.allows(self.request.user, action, obj):
            raise exceptions.PermissionDenied(policy.denied_message(action, obj))
        return obj

    def perform_create(self, serializer):
        self.guarded_save(serializer, "add")

    def perform_update(self, serializer):
        self.guarded_save(serializer, "change")

    def guarded_save(self, serializer, action, **extra):
        try:
            instance = policy.save_checked(self.request.user, action, lambda: self.save_instance(serializer, **extra))
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None)
        # Answer with the record as the list reads it (annotations such as counts included).
        serializer.instance = self.get_queryset().filter(pk=instance.pk).first() or instance
        return serializer.instance

    def save_instance(self, serializer, **extra):
        return serializer.save(**extra)

    def perform_destroy(self, instance):
        with transaction.atomic():
            instance.delete()
