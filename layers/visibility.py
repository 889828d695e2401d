"""Who sees an overlay layer: those the access policy lets read overlay layers (administrators and those given the
layer permissions), and, as the layer says, everyone (public) or the staff of an area (a role over its community,
street or district, or over any area when the layer names none). Editing and deleting stay with the policy."""

from django.db.models import Q

from common.hooks import access_policy as policy
from layers.models import FeatureLayer

V = FeatureLayer.Visibility


def is_staff(user):
    if not user.is_authenticated:
        return False
    grants = policy.grants_of(user)
    return grants.admin or any(g.level or g.department for g in grants.grants)


def readable_layers(user):
    q = Q(pk__in=policy.scope(user, "view", FeatureLayer.objects.all()).values("pk")) | Q(visibility=V.PUBLIC)
    if is_staff(user):
        q |= Q(visibility=V.STAFF, community__isnull=True)
        q |= Q(visibility=V.STAFF, community__in=policy.communities(user, "grids.view_building").values("pk"))
    return FeatureLayer.objects.filter(q)


def may_read(user, layer):
    return readable_layers(user).filter(pk=layer.pk).exists()
