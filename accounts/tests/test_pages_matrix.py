"""Every page of the URLconf × every role × a record inside and one outside the role's area (GET).

Routes are discovered from the URLconf (a new page fails here until PAGES says who may open it). Entity pages
(list, detail, create, edit, delete, export of a registered model) take their answer from the API table of
test_policy_matrix.EXPECT; the rest from PAGES below. The world is the one of test_policy_matrix.
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.tests.test_policy_matrix import EXPECT, ROLES, world  # noqa: F401  (the module's world fixture)

pytestmark = pytest.mark.django_db

ALL = frozenset(ROLES)
SIGNED_IN = ALL - {"anonymous"}
ADMIN = frozenset({"admin"})
CASE_STAFF = frozenset({"worker", "handler", "dispatcher", "manager", "street_manager", "admin"})
UNIT_STAFF = frozenset({"dispatcher", "manager", "street_manager", "planner", "admin"})
PLANNING = frozenset({"planner", "manager", "street_manager", "admin"})
MANAGERS = frozenset({"manager", "street_manager", "admin"})


@dataclass(frozen=True)
class Page:
    """Who opens the page (GET answers 200): `roles`; with `obj` the page is about that record of the world, and
    outside the area only administrators (or everyone when `public`) open it. `post_only`: the route takes POST
    only; a GET must not answer 200 to anyone nor fail."""

    roles: frozenset = ALL
    obj: str | None = None
    public: bool = False
    post_only: bool = False
    kwargs: tuple = ()
    redirects: bool = False  # those who may are sent on to another page of the site (not to the login page)


# Pages other than the entity pages: who opens them.
PAGES = {
    "home": Page(ALL),
    "healthz": Page(ALL),
    "login": Page(ALL),
    "logout": Page(post_only=True),
    "set_language": Page(post_only=True),
    "api-schema": Page(ALL),
    "two-factor": Page(frozenset({"dispatcher", "manager", "street_manager", "admin"})),
    "tokens": Page(SIGNED_IN),
    "token-revoke": Page(post_only=True, obj="none"),
    "audit-export": Page(ADMIN),
    "record-history": Page(ADMIN, kwargs=(("app_label", "grids"), ("model", "household"), ("pk", "1"))),
    "grids:map": Page(ALL),
    "grids:community-split": Page(ADMIN, obj="community"),
    "layers:imports": Page(MANAGERS | {"worker", "planner"}),
    "layers:import-detail": Page(frozenset(), obj="none"),
    "layers:import-progress": Page(frozenset(), obj="none"),
    "layers:import-preview": Page(frozenset(), obj="none"),
    "layers:rasters": Page(SIGNED_IN),
    "layers:overlays": Page(SIGNED_IN),
    "layers:overlay-export": Page(frozenset(), obj="none"),
    "layers:overlay-delete": Page(frozenset(), obj="none"),
    "layers:overlay-visibility": Page(post_only=True, obj="none"),
    "layers:raster-compare": Page(SIGNED_IN, redirects=True),  # no rasters to compare: back to the raster list
    "layers:raster": Page(frozenset(), obj="none"),
    "layers:raster-progress": Page(frozenset(), obj="none"),
    "layers:raster-coverage": Page(frozenset(), obj="none"),
    "layers:raster-tile": Page(frozenset(), obj="none", kwargs=(("z", 1), ("x", 1), ("y", 1))),
    "vector-tile": Page(ALL, kwargs=(("layer", "gridcell"), ("z", 14), ("x", 13394), ("y", 6804))),
    "assets:map": Page(ALL),
    "assets:coverage": Page(ALL),
    "assets:asset-photo": Page(post_only=True, obj="asset"),
    "assets:asset-inspect": Page(post_only=True, obj="asset"),
    "assets:adopt": Page(SIGNED_IN, obj="asset", public=True),
    "assets:adoption-list": Page(SIGNED_IN),
    "assets:adoption-detail": Page(MANAGERS, obj="adoption"),
    "assets:adoption-review": Page(post_only=True, obj="adoption"),
    "assets:adoption-log": Page(post_only=True, obj="adoption"),
    "responsibility:lookup": Page(ALL),
    "responsibility:assign": Page(MANAGERS, obj="community"),
    "responsibility:coverage": Page(ALL, obj="community", public=True),
    "responsibility:coverage-export": Page(ALL, obj="community", public=True, kwargs=(("fmt", "xlsx"),)),
    "cases:list": Page(CASE_STAFF),
    "cases:report": Page(ALL),
    "cases:nearby": Page(frozenset()),  # a question without lon, lat and category is a 400
    "cases:assets-near": Page(frozenset()),
    "cases:track": Page(frozenset(), kwargs=(("token", "no-such-token"),)),
    "cases:features": Page(CASE_STAFF),
    "cases:heat": Page(CASE_STAFF),
    "cases:overdue": Page(CASE_STAFF),
    "cases:stats": Page(CASE_STAFF),
    "cases:notifications": Page(SIGNED_IN),
    "cases:photo": Page(frozenset(), obj="none"),
    "cases:detail": Page(frozenset(), obj="none"),
    "cases:add": Page(post_only=True, obj="none"),
    "cases:act": Page(post_only=True, obj="none", kwargs=(("action", "dispatch"),)),
    "open311-services": Page(ALL, kwargs=(("fmt", "json"),)),
    "open311-requests": Page(ALL, kwargs=(("fmt", "json"),)),
    "open311-request": Page(frozenset(), obj="none", kwargs=(("fmt", "json"),)),
    "planning:zone-list": Page(PLANNING),
    "planning:zone-create": Page(frozenset({"planner", "admin"})),
    "planning:zone-detail": Page(PLANNING, obj="zone"),
    "planning:zone-update": Page(frozenset({"planner", "admin"}), obj="zone"),
    "planning:project-create": Page(frozenset({"planner", "admin"}), obj="zone", kwargs=(("zone", "obj"),)),
    "planning:project-detail": Page(PLANNING | {"worker"}, obj="renovation-project"),
    "planning:survey": Page(frozenset({"planner", "worker", "admin"}), obj="renovation-project"),
    "planning:resident-vote": Page(frozenset(), kwargs=(("project", 1), ("household", 1), ("code", "not-the-code"))),
    "planning:public-plans": Page(ALL),
    "planning:public-plan": Page(frozenset(), obj="renovation-project"),  # not published: nobody sees it
    "cogov:dashboard-home": Page(UNIT_STAFF | {"worker"}, redirects=True),
    "cogov:dashboard": Page(UNIT_STAFF, obj="community", kwargs=(("level", "community"),)),
    "cogov:dashboard-export": Page(UNIT_STAFF, obj="community", kwargs=(("level", "community"), ("fmt", "xlsx"))),
    "cogov:boards": Page(ALL, obj="community", public=True),
    "cogov:points": Page(frozenset({"resident", "manager", "street_manager", "admin"})),
    "cogov:points-household": Page(frozenset({"manager", "street_manager", "resident", "admin"}), obj="household"),
    "cogov:points-grant": Page(post_only=True, obj="household"),
    "cogov:points-reverse": Page(post_only=True, obj="household"),
    "cogov:points-redeem": Page(post_only=True, obj="household"),
    "cogov:points-return": Page(post_only=True, obj="household"),
    "cocreate:needs": Page(ALL, obj="community", public=True),
    "cocreate:need-new": Page(SIGNED_IN),
    "cocreate:need-support": Page(post_only=True, obj="none"),
    "cocreate:notices": Page(ALL),
    "cocreate:meeting": Page(UNIT_STAFF - {"planner"}, obj="meeting"),
    "cocreate:meeting-publish": Page(post_only=True, obj="meeting"),
    "cocreate:meeting-agenda": Page(post_only=True, obj="meeting"),
    "cocreate:meeting-new": Page(MANAGERS, obj="community"),
    "cocreate:rate-case": Page(frozenset(), kwargs=(("token", "no-such-token"),)),
    "cocreate:rate-project": Page(frozenset(), obj="renovation-project"),  # not in completion acceptance
    "cocreate:thanks": Page(PLANNING | {"worker"}, obj="renovation-project"),  # public once the plan is published
    "cocreate:campaign": Page(UNIT_STAFF - {"planner"} | {"worker"}, obj="campaign"),
    "cocreate:campaign-finding": Page(MANAGERS | {"worker"}, obj="campaign"),
    "cocreate:campaign-contribution": Page(MANAGERS, obj="campaign"),
    "cocreate:project-contribution": Page(MANAGERS, obj="renovation-project"),
    "cocreate:facility-contribution": Page(MANAGERS, obj="asset"),
    "cocreate:campaign-new": Page(MANAGERS, obj="community"),
    "cocreate:spot-check-draw": Page(post_only=True, obj="campaign"),
    "cocreate:spot-check-result": Page(post_only=True, obj="none"),
    "cocreate:campaign-board": Page(ALL, obj="campaign", public=True),  # 红黑榜: community names and rates
    # Mediations: the community's mediators (the world's manager of A) and the parties' grid worker only.
    "cocreate:mediations": Page(frozenset({"worker", "manager", "admin"})),
    "cocreate:mediation": Page(frozenset({"worker", "manager", "admin"}), obj="mediation"),
    "cocreate:mediation-photo": Page(frozenset(), obj="none"),  # the world has no agreement photo: 404 for all
    "field:workspace": Page(CASE_STAFF),
    "field:sw": Page(ALL),
    "field:manifest": Page(ALL),
    "field:data": Page(CASE_STAFF),
    "field:search": Page(CASE_STAFF),
    "field:api-report": Page(post_only=True),
    "field:api-act": Page(post_only=True, obj="none", kwargs=(("action", "verify"),)),
    "field:patrols": Page(MANAGERS | {"worker"}),
    "field:api-patrol": Page(post_only=True),
    "inspections:home": Page(MANAGERS | {"worker"}),
    "inspections:report": Page(MANAGERS, obj="community", kwargs=(("fmt", "xlsx"),)),
    "inspections:api-result": Page(post_only=True),
    "ogc:landing": Page(ALL),
    "ogc:conformance": Page(ALL),
    "ogc:collections": Page(ALL),
    "ogc:collection": Page(ALL, kwargs=(("collection_id", "cells"),)),
    "ogc:items": Page(ALL, kwargs=(("collection_id", "cells"),)),
    "ogc:item": Page(ALL, obj="gridcell", public=True, kwargs=(("collection_id", "cells"), ("fid", "obj"))),
}
ENTITY_ACTIONS = {
    "list": "view",
    "export": "view",
    "detail": "view",
    "create": "add",
    "update": "change",
    "delete": "delete",
}


def walk(patterns, ns=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}:{p.name}" if ns else p.name, p


def page_routes():
    seen = {}
    for name, pattern in walk(get_resolver().url_patterns):
        if name.startswith(("api:", "admin:")) or name in seen or str(pattern.pattern).startswith("api/v1/"):
            continue
        seen[name] = pattern
    return sorted(seen)


def entity_of(name):
    """(API basename, action) of an entity page such as grids:household-update."""
    if ":" not in name or "-" not in name:
        return None
    model, action = name.split(":", 1)[1].rsplit("-", 1)
    if name not in PAGES and model in EXPECT and action in ENTITY_ACTIONS:
        return model, action
    return None


def test_every_page_is_in_the_table():
    unknown = [n for n in page_routes() if n not in PAGES and entity_of(n) is None]
    assert not unknown, f"pages without an expectation: {unknown} — add them to PAGES"


def url_for(name, pk=None, kwargs=()):
    from django.urls import reverse

    from gridwork.urls import urlpatterns  # noqa: F401

    kw = {}
    for key, value in kwargs:
        kw[key] = pk if value == "obj" else value
    pattern = dict(walk(get_resolver().url_patterns))[name].pattern
    if "pk" in str(pattern) and "pk" not in kw:
        kw["pk"] = pk
    return reverse(name, kwargs=kw)


def expected(spec_roles, role, where, public):
    if where is None or public:
        return role in spec_roles
    return role in spec_roles and (where == "in" or role == "admin")


def check(client, url, may, role, post_only=False, redirects=False):
    resp = client.get(url)
    assert resp.status_code < 500, f"{url} as {role}: {resp.status_code}"
    if post_only:
        assert resp.status_code != 200, f"{url} answers a GET as {role}"
        return
    if may and redirects:
        assert resp.status_code == 302 and "/accounts/login/" not in resp["Location"], f"{url} as {role}"
    elif may:
        assert resp.status_code == 200, f"{url} as {role}: {resp.status_code}"
    else:
        assert resp.status_code in (302, 400, 403, 404, 405), f"{url} as {role}: {resp.status_code}"
        if resp.status_code == 302:
            assert "/accounts/login/" in resp["Location"], f"{url} as {role} redirects to {resp['Location']}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", page_routes())
def test_page(client, world, name, role):  # noqa: F811
    if role != "anonymous":
        client.force_login(world["users"][role])
    entity = entity_of(name)
    if entity is not None:
        basename, action = entity
        e = EXPECT[basename]
        roles = getattr(e, ENTITY_ACTIONS[action]) or frozenset()
        if action in ("list", "export", "create"):
            url = url_for(name)
            check(client, url, expected(roles, role, None, True) and (role != "anonymous" or action != "create"), role)
            return
        for where, obj in world["objects"][basename].items():
            public = e.public and action == "detail"
            check(client, url_for(name, obj.pk), expected(roles, role, where, public), role)
        return
    spec = PAGES[name]
    if spec.obj is None:
        check(client, url_for(name, kwargs=spec.kwargs), role in spec.roles, role, spec.post_only, spec.redirects)
    elif spec.obj == "none":
        check(client, url_for(name, 987654, spec.kwargs), False, role, spec.post_only)
    else:
        for where, obj in world["objects"][spec.obj].items():
            may = expected(spec.roles, role, where, spec.public)
            check(client, url_for(name, obj.pk, spec.kwargs), may, role, spec.post_only)
