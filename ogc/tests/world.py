"""A small city for the OGC tests: district 429801; community A (cells A1, A2) and community B (cell B1); 60
buildings in A1 and 55 in B1; two households in A1 and one in B1; a grid worker of A1, a manager of community A
and a resident."""

from django.contrib.auth.models import User
from django.core.management import call_command
from shapely.geometry import box

from accounts.models import Membership, Role
from grids.models import Building, Community, District, GridCell, Household, Street
from grids.tests.factories import geos, point

PASSWORD = "x-long-password-1"


def footprint(x, y, size=8):
    return geos(box(x, y, x + size, y + size))[0]


def build_city(buildings=(60, 55)):
    call_command("setup_roles", verbosity=0)
    call_command("loaddata", "asset_types", verbosity=0)
    district = District.objects.create(code="429801", name="OGC区", boundary=geos(box(-2000, -2000, 6000, 6000)))
    s1 = Street.objects.create(district=district, code="001", name="一街", boundary=geos(box(-1000, -1000, 2400, 5000)))
    s2 = Street.objects.create(district=district, code="002", name="二街", boundary=geos(box(2500, -1000, 5500, 5000)))
    a = Community.objects.create(street=s1, code="001", name="甲社区", boundary=geos(box(0, 0, 1000, 800)))
    b = Community.objects.create(street=s2, code="001", name="乙社区", boundary=geos(box(3000, 0, 4000, 800)))
    a1 = GridCell.objects.create(community=a, boundary=geos(box(0, 0, 500, 800)))
    GridCell.objects.create(community=a, boundary=geos(box(500, 0, 1000, 800)))
    b1 = GridCell.objects.create(community=b, boundary=geos(box(3000, 0, 4000, 800)))
    for i in range(buildings[0]):
        Building.objects.create(name=f"A{i}", footprint=footprint(20 + (i % 10) * 40, 20 + (i // 10) * 40), storeys=6)
    for i in range(buildings[1]):
        Building.objects.create(name=f"B{i}", footprint=footprint(3020 + (i % 10) * 40, 20 + (i // 10) * 40))
    households = [
        Household.objects.create(head_name="张三", phone="13800000001", location=point(x, 25), residents=2)
        for x in (25, 65, 3025)
    ]
    worker = User.objects.create_user("ogc_worker", password=PASSWORD)
    Membership.objects.create(user=worker, role=Role.WORKER, cell=a1)
    manager = User.objects.create_user("ogc_manager", password=PASSWORD)
    Membership.objects.create(user=manager, role=Role.MANAGER, community=a)
    resident = User.objects.create_user("ogc_resident", password=PASSWORD)
    Membership.objects.create(user=resident, role=Role.RESIDENT, household=households[0])
    return {"a": a, "b": b, "a1": a1, "b1": b1, "worker": worker, "manager": manager, "resident": resident}
