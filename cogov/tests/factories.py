from cogov.models import CatalogueItem, PointRule, Source
from grids.models import Household
from grids.tests.factories import make_cells, make_community, make_households


def small_community(households=6, code="001", seed=1):
    community = make_community(code=code)
    make_cells(community, 2, 2)
    homes = make_households(community, households, seed=seed)
    Household.objects.filter(pk__in=[h.pk for h in homes]).assign_cells()
    return community, list(Household.objects.filter(pk__in=[h.pk for h in homes]).order_by("pk"))


def rule(code="hygiene", points=5, cap=None, source=Source.HYGIENE, **kw):
    return PointRule.objects.create(code=code, name=kw.pop("name", code), source=source, points=points, monthly_cap=cap)


def item(name="洗衣液", price=10, stock=5, **kw):
    return CatalogueItem.objects.create(name=name, price=price, stock=stock, **kw)
