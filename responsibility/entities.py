from django.utils.translation import gettext_lazy as _

from common.entity import SpatialEntity
from responsibility.models import ResponsibilityArea

area = SpatialEntity(
    ResponsibilityArea,
    geom_field="area",
    api="responsibilityarea",
    list_fields=["name", "kind", "party", "community", "start", "end"],
    detail_fields=["name", "kind", "party", "duty_text", "community", "start", "end", "width_m", "note"],
    form_fields=["kind", "name", "community", "party", "start", "end", "area", "note"],
    filter_fields=["kind", "community"],
    queryset=lambda: ResponsibilityArea.objects.select_related(
        "party__user", "party__household__building", "community"
    ),
    labels={"duty_text": _("duties")},
)
