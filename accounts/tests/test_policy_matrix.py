"""Every API route × every role × read / create / update / delete × a record inside and one outside the role's area.

The routes are discovered from the router (a new viewset is covered automatically, and fails here until the table
below says who may do what with it); the expected answers come from the table EXPECT alone, written from the
roles' description in the README, not from the policy code.

World: district 429901; street S1 holds community A (cells A1, A2), street S2 holds community B (cell B1).
"Inside" records lie in cell A1 of community A; "outside" ones in cell B1 of community B.
"""

import json
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import QuerySet
from django.urls import reverse
from shapely.geometry import box

from accounts.models import Membership, Role
from grids.models import Building, Community, Compound, District, GridAssignment, GridCell, Household, Street
from grids.tests.factories import geos, point

pytestmark = pytest.mark.django_db

PASSWORD = "x-long-password-1"
ROLES = [
    "anonymous",
    "resident",
    "worker",
    "handler",
    "dispatcher",
    "manager",
    "street_manager",
    "planner",
    "admin",
]
ALL = frozenset(ROLES)
NOBODY = frozenset()
ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"manager", "street_manager", "admin"})


@dataclass(frozen=True)
class Expect:
    """Who may, inside their area: read (list and detail), create, change, delete. Outside it only administrators
    (and everyone for what is public). None: the route has no such operation."""

    view: frozenset
    add: frozenset | None = None
    change: frozenset | None = None
    delete: frozenset | None = None
    public: bool = False  # read by everyone, inside and outside


EXPECT = {
    "district": Expect(ALL, ADMIN, ADMIN, ADMIN, public=True),
    "street": Expect(ALL, ADMIN, ADMIN, ADMIN, public=True),
    "community": Expect(
        ALL, frozenset({"street_manager", "admin"}), frozenset({"street_manager", "admin"}), ADMIN, public=True
    ),
    "gridcell": Expect(ALL, MANAGERS, MANAGERS, ADMIN, public=True),
    "compound": Expect(ALL, MANAGERS, MANAGERS, ADMIN, public=True),
    "building": Expect(ALL, MANAGERS | {"worker"}, MANAGERS | {"worker"}, ADMIN, public=True),
    "household": Expect(
        frozenset({"resident", "worker", "dispatcher", "manager", "street_manager", "admin"}),
        MANAGERS | {"worker"},
        MANAGERS | {"worker"},
        ADMIN,
    ),
    "gridassignment": Expect(ALL, MANAGERS, MANAGERS, ADMIN, public=True),
    "asset": Expect(ALL, MANAGERS | {"worker"}, MANAGERS, ADMIN, public=True),
    "party": Expect(ALL, MANAGERS, MANAGERS, MANAGERS, public=True),
    "responsibilityarea": Expect(ALL, MANAGERS, MANAGERS, MANAGERS, public=True),
    "zone": Expect(
        frozenset({"planner", "manager", "street_manager", "admin"}),
        frozenset({"planner", "admin"}),
        frozenset({"planner", "admin"}),
        ADMIN,
    ),
    "renovation-project": Expect(frozenset({"planner", "manager", "street_manager", "worker", "admin"})),
    # Applications: residents file their own (any signed-in user applies); staff of the asset's area read them.
    "adoption": Expect(MANAGERS),
    # Catalogues and aggregate figures without personal data.
    "assetfamily": Expect(ALL, public=True),
    "assettype": Expect(ALL, public=True),
    "adoption-coverage": Expect(ALL, public=True),
    "service-area": Expect(ALL, public=True),
    # Co-creation: the needs list is public (who posted a need is not given); mediations are read by the community's
    # mediators (the world's community manager is one) and the parties' grid worker, by no other role.
    "need": Expect(ALL, public=True),
    "mediation": Expect(frozenset({"worker", "manager", "admin"})),
}
DENIED = {401, 403, 404}
# Figures that need their question asked.
LIST_QUERY = {"service-area": "?type=0302&radius=300", "adoption-coverage": "?level=community"}


def square(x, y, size=20):
    return geos(box(x, y, x + size, y + size))


def footprint(x, y, size=20):
    return square(x, y, size)[0]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module and committed; each test runs in its own transaction, rolled back after it, so
    every test starts from this same world. Removed again when the module is done."""
    from auditlog.models import LogEntry
    from django.utils import timezone

    started = timezone.now()
    with django_db_blocker.unblock():
        created = build_world()
    yield created
    with django_db_blocker.unblock():
        remove_world(created)
        LogEntry.objects.filter(timestamp__gte=started).delete()


CODE = "429901"


def remove_world(world=None):
    """Everything of the matrix's district, and its accounts (also what an interrupted run left behind)."""
    from assets.models import Adoption, Asset, AssetFamily, AssetType
    from cocreate.models import Campaign, Mediation, Mediator, Meeting
    from planning.models import Project, Zone
    from responsibility.models import Party, ResponsibilityArea

    under = {"community__street__district__code": CODE}
    for qs in (
        Mediation.objects.filter(**under),
        Mediator.objects.filter(**under),
        Meeting.objects.filter(**under),
        Campaign.objects.filter(**under),
        Adoption.objects.filter(asset__district__code=CODE),
        Project.objects.filter(zone__name__startswith="PM"),
        Zone.objects.filter(name__startswith="PM"),
        ResponsibilityArea.all_objects.filter(**under),
        Party.objects.filter(**under),
        Asset.objects.filter(district__code=CODE),
        GridAssignment.objects.filter(cell__community__street__district__code=CODE),
        User.objects.filter(username__startswith="pm_"),
        Household.all_objects.filter(**under),
        Building.all_objects.filter(**under),
        Compound.objects.filter(**under),
        GridCell.objects.filter(**under),
        Community.objects.filter(street__district__code=CODE),
        Street.objects.filter(district__code=CODE),
        District.objects.filter(code=CODE),
    ):
        QuerySet.delete(qs)
    if world is not None and world["new_types"]:
        AssetType.objects.all().delete()
        AssetFamily.objects.all().delete()


def build_world():
    from assets.models import AssetType

    remove_world()
    new_types = not AssetType.objects.exists()
    call_command("setup_roles", verbosity=0)
    call_command("loaddata", "asset_types", verbosity=0)
    district = District.objects.create(code=CODE, name="测试区", boundary=geos(box(-2000, -2000, 6000, 6000)))
    s1 = Street.objects.create(district=district, code="001", name="一街", boundary=geos(box(-1000, -1000, 2400, 5000)))
    s2 = Street.objects.create(district=district, code="002", name="二街", boundary=geos(box(2500, -1000, 5500, 5000)))
    a = Community.objects.create(street=s1, code="001", name="甲社区", boundary=geos(box(0, 0, 1000, 800)))
    b = Community.objects.create(street=s2, code="001", name="乙社区", boundary=geos(box(3000, 0, 4000, 800)))
    a1 = GridCell.objects.create(community=a, boundary=geos(box(0, 0, 500, 800)))
    GridCell.objects.create(community=a, boundary=geos(box(500, 0, 1000, 800)))
    b1 = GridCell.objects.create(community=b, boundary=geos(box(3000, 0, 4000, 800)))
    objects = {}

    def pair(key, make):
        objects[key] = {"in": make(a, a1, 100), "out": make(b, b1, 3100)}

    pair("compound", lambda c, cell, x: Compound.objects.create(community=c, name="小区", boundary=square(x, 500, 100)))
    pair("building", lambda c, cell, x: Building.objects.create(name="1栋", footprint=footprint(x, 100)))
    pair(
        "household",
        lambda c, cell, x: Household.objects.create(head_name="张三", phone="13800000001", location=point(x + 5, 105)),
    )
    users = {}

    def account(name, role=None, **area):
        u = User.objects.create_user(f"pm_{name}", password=PASSWORD)
        if role:
            Membership.objects.create(user=u, role=role, **area)
        users[name] = u
        return u

    worker = account("worker", Role.WORKER, cell=a1)
    other_worker = account("other_worker", Role.WORKER, cell=b1)
    account("resident", Role.RESIDENT, household=objects["household"]["in"])
    account("handler", Role.HANDLER, department="城管")
    account("dispatcher", Role.DISPATCHER, street=s1)
    account("manager", Role.MANAGER, community=a)
    account("street_manager", Role.MANAGER, street=s1)
    account("planner", Role.PLANNER, street=s1)
    users["admin"] = User.objects.create_superuser("pm_admin", password=PASSWORD)
    pair("gridcell", lambda c, cell, x: cell)
    objects["gridassignment"] = {
        "in": GridAssignment.objects.create(cell=a1, worker=worker, start="2026-01-01"),
        "out": GridAssignment.objects.create(cell=b1, worker=other_worker, start="2026-01-01"),
    }
    objects["community"] = {"in": a, "out": b}
    objects["street"] = {"in": s1, "out": s2}
    objects["district"] = {"in": district, "out": district}
    from assets.models import Asset, AssetType

    bin_type = AssetType.objects.get(family__code="03", code="01")
    pair("asset", lambda c, cell, x: Asset.objects.create(type=bin_type, name="垃圾桶", geom=point(x + 50, 150)))
    from responsibility.models import Party, ResponsibilityArea

    pair("party", lambda c, cell, x: Party.objects.create(kind="organisation", name="商户", community=c))
    objects["responsibilityarea"] = {
        k: ResponsibilityArea.objects.create(
            kind="frontage",
            name="门前",
            community=objects["community"][k],
            party=objects["party"][k],
            start="2026-01-01",
            area=square(x, 300, 30),
        )
        for k, x in (("in", 100), ("out", 3100))
    }
    from planning.models import Project, Zone

    pair("zone", lambda c, cell, x: Zone.objects.create(name="PM片区", boundary=square(x, 400, 200)))
    objects["renovation-project"] = {
        k: Project.objects.create(name="改造", zone=objects["zone"][k]) for k in ("in", "out")
    }
    from assets.models import Adoption

    adopter = account("adopter", Role.RESIDENT, household=objects["household"]["out"])
    objects["adoption"] = {
        k: Adoption.objects.create(
            asset=objects["asset"][k], applicant=adopter, start="2026-01-01", end="2026-12-31", status="pending"
        )
        for k in ("in", "out")
    }
    for key in ("building", "household", "asset"):
        for k, obj in objects[key].items():
            obj.refresh_from_db()
            assert obj.community == (a if k == "in" else b), (key, k)
    users["adopter"] = adopter
    build_cocreate(objects, users, a, a1, b, b1)
    return {"users": users, "objects": objects, "a": a, "b": b, "a1": a1, "b1": b1, "new_types": new_types}


def build_cocreate(objects, users, a, a1, b, b1):
    """A meeting, a campaign (over cell A1, and B1) and a mediation (in cell A1, and B1) in each community; the
    manager of community A is its mediator."""
    from datetime import date

    from django.utils import timezone

    from cocreate.models import Campaign, Mediation, Mediator, Meeting

    Mediator.objects.create(user=users["manager"], community=a)
    objects["meeting"] = {
        k: Meeting.objects.create(community=c, title="议事会", held_at=timezone.now(), venue="议事亭")
        for k, c in (("in", a), ("out", b))
    }
    objects["campaign"] = {}
    objects["mediation"] = {}
    for k, c, cell, x in (("in", a, a1, 100), ("out", b, b1, 3100)):
        campaign = Campaign.objects.create(community=c, name="整治月", start=date(2026, 1, 1), end=date(2030, 12, 31))
        campaign.cells.set([cell])
        objects["campaign"][k] = campaign
        mediation = Mediation(subject="邻里纠纷", description="噪音", location=point(x + 60, 160))
        mediation.full_clean()
        mediation.save()
        mediation.parties.set([objects["household"][k]])
        objects["mediation"][k] = mediation


def routes():
    from gridwork.urls import router

    return sorted(basename for _prefix, _viewset, basename in router.registry)


def test_every_route_is_in_the_table():
    unknown = set(routes()) - set(EXPECT)
    assert not unknown, f"routes without an expectation: {sorted(unknown)} — add them to EXPECT"


def sign_in(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])


def allowed(expect_roles, role, where, public=False):
    if expect_roles is None:
        return None
    if public:
        return True
    return role in expect_roles and (where == "in" or role == "admin")


def has_route(name):
    try:
        reverse(name, args=[1]) if name.endswith("-detail") else reverse(name)
    except Exception:
        return False
    return True


def ids_of(data):
    rows = data.get("features", data.get("results", data)) if isinstance(data, dict) else data
    return {r.get("id") for r in rows if isinstance(r, dict)}


# --- reading ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("basename", routes())
def test_read(client, world, basename, role):
    expect = EXPECT[basename]
    sign_in(client, world, role)
    resp = client.get(reverse(f"api:{basename}-list") + LIST_QUERY.get(basename, ""))
    assert resp.status_code < 500
    pairs = world["objects"].get(basename)
    if pairs is None:  # catalogues and figures: readable or not, nothing more
        assert (resp.status_code == 200) == (role in expect.view), (basename, role, resp.status_code)
        return
    listed = ids_of(resp.json()) if resp.status_code == 200 else set()
    for where, obj in pairs.items():
        may = allowed(expect.view, role, where, expect.public)
        assert (obj.pk in listed) == may, f"{basename} list, {role}, {where}: listed={obj.pk in listed}"
        detail = client.get(reverse(f"api:{basename}-detail", args=[obj.pk]))
        assert detail.status_code < 500
        assert (detail.status_code == 200) == may, f"{basename} detail, {role}, {where}: {detail.status_code}"
        if not may:
            assert detail.status_code in DENIED


# --- changing ---------------------------------------------------------------------------------------------------
CHANGES = {
    "district": {"properties": {"name": "改名"}},
    "street": {"properties": {"name": "改名"}},
    "community": {"properties": {"name": "改名"}},
    "gridcell": {"properties": {"name": "改名"}},
    "compound": {"properties": {"name": "改名"}},
    "building": {"properties": {"name": "改名"}},
    "household": {"properties": {"residents": 5}},
    "gridassignment": {"end": "2030-01-01"},
    "asset": {"properties": {"name": "改名"}},
    "party": {"name": "改名"},
    "responsibilityarea": {"properties": {"name": "改名"}},
    "zone": {"properties": {"name": "改名"}},
}


def field_value(obj, payload):
    data = payload.get("properties", payload)
    key = next(iter(data))
    obj.refresh_from_db()
    return str(getattr(obj, key)), str(data[key])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("basename", sorted(CHANGES))
def test_change(client, world, basename, role):
    expect = EXPECT[basename]
    sign_in(client, world, role)
    for where, obj in world["objects"][basename].items():
        if basename == "district" and where == "out":
            continue
        before, wanted = field_value(obj, CHANGES[basename])
        resp = client.patch(
            reverse(f"api:{basename}-detail", args=[obj.pk]), CHANGES[basename], content_type="application/json"
        )
        assert resp.status_code < 500, resp.content[:300]
        may = allowed(expect.change, role, where)
        after, _ = field_value(obj, CHANGES[basename])
        if may:
            assert resp.status_code == 200, f"{basename} {role} {where}: {resp.status_code} {resp.content[:300]}"
            assert after == wanted
        else:
            assert resp.status_code in DENIED, f"{basename} {role} {where}: {resp.status_code}"
            assert after == before, "a refused change left something behind"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("basename", sorted(k for k, e in EXPECT.items() if e.delete))
def test_delete(client, world, basename, role):
    expect = EXPECT[basename]
    sign_in(client, world, role)
    for where, obj in world["objects"][basename].items():
        model = type(obj)
        resp = client.delete(reverse(f"api:{basename}-detail", args=[obj.pk]))
        assert resp.status_code < 500, resp.content[:300]
        may = allowed(expect.delete, role, where)
        still = model._default_manager.filter(pk=obj.pk).exists()
        if may:
            # Deleting a record others still refer to is refused as a conflict, never half-done.
            assert resp.status_code in (204, 409), f"{basename} {role} {where}: {resp.status_code}"
            assert still == (resp.status_code == 409)
        else:
            assert resp.status_code in DENIED, f"{basename} {role} {where}: {resp.status_code}"
            assert still
        if basename == "district":
            break


# --- creating, and moving a record out of the area ------------------------------------------------------------
def feature(geometry, **props):
    return {"type": "Feature", "geometry": json.loads(geometry.geojson), "properties": props}


def create_payloads(world):
    from assets.models import AssetType

    bin_type = AssetType.objects.get(family__code="03", code="01")
    return {
        "building": lambda where, x: feature(footprint(x + 200, 200), name="新楼"),
        "household": lambda where, x: feature(point(x + 210, 210), head_name="李四", room="201"),
        "asset": lambda where, x: feature(point(x + 220, 220), type=bin_type.pk, name="新桶"),
        "compound": lambda where, x: feature(
            square(x + 300, 600, 50), community=world["a" if where == "in" else "b"].pk, name="新小区"
        ),
        "party": lambda where, x: {
            "kind": "organisation",
            "name": "新商户",
            "community": world["a" if where == "in" else "b"].pk,
        },
        "responsibilityarea": lambda where, x: feature(
            square(x + 400, 300, 30),
            kind="frontage",
            name="新门前",
            community=world["a" if where == "in" else "b"].pk,
            party=world["objects"]["party"][where].pk,
            start="2026-02-01",
        ),
        "gridassignment": lambda where, x: {
            "cell": world["a1" if where == "in" else "b1"].pk,
            "worker": world["users"]["worker"].pk,
            "role": "helper",
            "start": "2026-03-01",
        },
        "zone": lambda where, x: feature(square(x + 500, 100, 100), name="PM新片区"),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "basename",
    ["building", "household", "asset", "compound", "party", "responsibilityarea", "gridassignment", "zone"],
)
def test_create(client, world, basename, role):
    expect = EXPECT[basename]
    sign_in(client, world, role)
    payload = create_payloads(world)[basename]
    model = type(world["objects"][basename]["in"])
    for where, x in (("in", 100), ("out", 3100)):
        before = model._default_manager.count()
        resp = client.post(reverse(f"api:{basename}-list"), payload(where, x), content_type="application/json")
        assert resp.status_code < 500, resp.content[:300]
        may = allowed(expect.add, role, where)
        if may:
            assert resp.status_code == 201, f"{basename} {role} {where}: {resp.status_code} {resp.content[:300]}"
            assert model._default_manager.count() == before + 1
        else:
            assert resp.status_code in DENIED, f"{basename} {role} {where}: {resp.status_code} {resp.content[:200]}"
            assert model._default_manager.count() == before, "a refused create left a record behind"


MOVES = {
    "building": ("footprint", lambda: footprint(3300, 100)),
    "household": ("location", lambda: point(3305, 105)),
    "asset": ("geom", lambda: point(3350, 150)),
}


@pytest.mark.parametrize("role", ["worker", "manager", "street_manager"])
@pytest.mark.parametrize("basename", sorted(MOVES))
def test_a_record_cannot_be_moved_out_of_the_area(client, world, basename, role):
    """A PATCH may not carry a record of the user's area into someone else's (its community follows the geometry)."""
    sign_in(client, world, role)
    obj = world["objects"][basename]["in"]
    field, geometry = MOVES[basename]
    if role not in EXPECT[basename].change:
        pytest.skip("this role does not change these records at all")
    resp = client.patch(
        reverse(f"api:{basename}-detail", args=[obj.pk]),
        {"type": "Feature", "geometry": json.loads(geometry().geojson), "properties": {}},
        content_type="application/json",
    )
    assert resp.status_code == 403, resp.content[:300]
    obj.refresh_from_db()
    assert obj.community == world["a"], "the refused move was saved"
