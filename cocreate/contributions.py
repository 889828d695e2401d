"""共建: totals of contributions per project beside the funding of its renovation items; the thank-you list."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from cocreate.models import Contribution

ZERO = Decimal("0")


def project_totals(project):
    """What residents and others put in, and the items' funding by source, in two aggregate queries."""
    from planning.models import Item

    c = Contribution.objects.filter(project=project).aggregate(
        money=Coalesce(Sum("amount"), ZERO),
        hours=Coalesce(Sum("hours"), ZERO),
        materials=Coalesce(Sum("value", filter=Q(kind=Contribution.Kind.MATERIALS)), ZERO),
        land_m2=Coalesce(Sum("area_m2"), 0.0),
        contributors=Count("pk"),
    )
    funding = Item.objects.filter(project=project).aggregate(
        **{f: Coalesce(Sum(f), ZERO) for f in Item.FUNDING}, cost=Coalesce(Sum("cost_estimate"), ZERO)
    )
    c["in_kind_value"] = c["money"] + c["materials"]
    c["funding"] = [(Item._meta.get_field(f).verbose_name, funding[f]) for f in Item.FUNDING]
    c["cost"] = funding["cost"]
    return c


def thank_you(project):
    """(public name, kind, what) per contribution: the alias or door plate, never a name or phone."""
    rows = []
    for x in Contribution.objects.filter(project=project).select_related("household__building").order_by("on", "pk"):
        if x.kind == Contribution.Kind.MONEY:
            what = f"{x.amount} 元"
        elif x.kind == Contribution.Kind.LABOUR:
            what = f"{x.hours} h · {x.work}"
        elif x.kind == Contribution.Kind.MATERIALS:
            what = f"{x.item} × {x.quantity}"
        else:
            what = f"{x.area_m2} m²"
        rows.append((x.public_name, x.get_kind_display(), what, x.on))
    return rows
