"""Layers for the access policy (accounts.policy; registered through its registry common.places, so that the layers
engine depends on common only): imported overlays, imagery and import jobs cover no one area, so they are the
administrators' and of those given the layer permissions explicitly; an import job is also read by whoever started
it. The rows an import writes are checked one by one against the target's own place."""

from django.db.models import Q

from common.places import Place, register
from layers import models as m


def register_all():
    for model in (m.FeatureLayer, m.Feature, m.RasterLayer):
        register(model, Place())
    register(m.GreenCoverage, Place(community="cell__community", cell="cell"))
    register(
        m.ImportJob, Place(owner=lambda user, action: Q(created_by=user) if action in ("view", "change") else None)
    )
