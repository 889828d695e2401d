"""No script from data: names that look like markup or script stay text on every page, under a CSP with no inline
script.

Every model the pages show is stored with hostile strings (closing script tags, event-handler attributes, template
syntax, javascript: URLs). The pages are found in the URLconf (each route filled with the ids of those records),
then opened in Chromium as a superuser: no dialog may open, the Content-Security-Policy must block nothing, no
element may carry an event-handler attribute, every inline script must be JSON data, and the maps and map widgets
must start.
"""

import itertools
import json
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from shapely.geometry import box

from assets.models import Adoption, Asset, AssetFamily, AssetType, Inspection, MaintenanceLog
from cases import services as case_services
from cases.models import Case, CaseEvent, Category, CategoryFamily, Notification
from cogov import services as points
from cogov.models import BoardEntry, CatalogueItem, PointRule, Rating
from grids.models import Building, Community, Compound, District, GridAssignment, GridCell, Household, Street
from grids.tests.factories import geos, make_cells, point
from layers.models import Feature, FeatureLayer, ImportJob, RasterLayer
from planning import services as zone_services
from planning.models import (
    Acceptance,
    Comment,
    CompoundRecord,
    DemolitionPlan,
    DesignChange,
    Item,
    Project,
    Zone,
)
from planning.views import resident_code
from responsibility.models import Party, ResponsibilityArea

# A payload per field size: each closes a script element, breaks out of an attribute and carries an event handler;
# the longer ones add template syntax (甲{{7*7}}乙 must never read 甲49乙) and a javascript: URL.
FULL = '"></script><script>alert(1)</script><img src=x onerror=alert(2)>甲{{7*7}}乙 javascript:alert(3)'
SHORT = '"></script><img src=x onerror=alert(1)>甲{{7*7}}乙'
TINY = '"></script><img src=x onerror=alert(1)>'
MICRO = "<svg onload=alert()>"
JS_URL = "javascript:alert(3)"
MARKER = "onerror=alert"  # how a page that shows one of the records is recognised, escaped or in json_script


def fit(n):
    return next(p for p in (FULL, SHORT, TINY, MICRO) if len(p) <= n)


# --- the records ---------------------------------------------------------------------------------------------------
def hostile_city(tmp_path):
    """Grid units, compounds, buildings, households, assets, responsibility areas, cases, planning, co-governance
    and layers, every name and text hostile. Returns {model: [records]} and the superuser."""
    User = get_user_model()
    boss = User.objects.create_superuser("boss", password="x-long-password-1", first_name=FULL)
    worker = User.objects.create_user("gw", password="x-long-password-1", first_name=FULL, last_name=TINY)

    district = District.objects.create(code="420100", name=FULL, boundary=geos(box(-2000, -2000, 6000, 6000)))
    street = Street.objects.create(
        district=district, code="001", name=FULL, boundary=geos(box(-1000, -1000, 5000, 5000))
    )
    community = Community.objects.create(street=street, code="001", name=FULL, boundary=geos(box(0, 0, 1000, 800)))
    community.managers.add(boss)
    cells = make_cells(community, 2, 1)
    for cell in cells:
        cell.name = FULL
        cell.save()
    GridAssignment.objects.create(cell=cells[0], worker=worker, start=date(2020, 1, 1))

    compound = Compound.objects.create(community=community, name=FULL, boundary=geos(box(100, 100, 400, 400)))
    other = Compound.objects.create(community=community, name=JS_URL, boundary=geos(box(600, 100, 800, 300)))
    CompoundRecord.objects.create(compound=compound, fee_collection_pct=80, note=FULL)
    building = Building(
        compound=compound, name=FULL, footprint=geos(box(120, 120, 160, 140))[0], year_built=1990, storeys=6
    )
    building.save()
    Building(compound=other, name=JS_URL, footprint=geos(box(620, 120, 660, 140))[0], year_built=1995, storeys=5).save()
    household = Household(
        building=building,
        unit=MICRO,
        room=MICRO,
        address=FULL,
        head_name=SHORT,
        phone="13812345678",
        residents=3,
        location=building.anchor,
    )
    household.save()

    call_command("loaddata", "asset_types", verbosity=0)
    AssetFamily.objects.filter(code__in=["03", "04"]).update(name=SHORT, name_en=SHORT)
    bin_type = AssetType.objects.get(family__code="03", code="02")  # collection point: capacity, opening hours
    green_type = AssetType.objects.get(family__code="04", code="01")  # green space: adoptable
    AssetType.objects.filter(pk__in=[bin_type.pk, green_type.pk]).update(name=SHORT, name_en=SHORT, capacity_unit=MICRO)
    bin_asset = Asset.objects.create(
        type=bin_type, name=FULL, owner=FULL, department=FULL, note=FULL, capacity=4, geom=point(300, 500)
    )
    green = Asset.objects.create(
        type=green_type,
        name=FULL,
        owner=FULL,
        department=FULL,
        note=FULL,
        open_for_adoption=True,
        geom=geos(box(550, 450, 700, 600))[0],
    )
    Asset.objects.create(type=bin_type, name=JS_URL, geom=point(320, 520))
    Inspection.objects.create(asset=bin_asset, inspector=worker, condition="damaged", note=FULL)
    adoption = Adoption.objects.create(
        asset=green,
        applicant=worker,
        adopter_kind="organisation",
        adopter_name=FULL,
        contact_phone="13812345678",
        start=timezone.localdate() - timedelta(days=10),
        end=timezone.localdate() + timedelta(days=300),
        agreement=FULL,
        status="approved",
        review_note=FULL,
    )
    MaintenanceLog.objects.create(adoption=adoption, work=FULL, logged_by=worker)

    party = Party.objects.create(kind=Party.Kind.ORGANISATION, name=FULL)
    area = ResponsibilityArea(
        kind=ResponsibilityArea.Kind.FRONTAGE,
        name=FULL,
        note=FULL,
        community=community,
        party=party,
        duties=["clean"],
        start=date(2026, 1, 1),
        area=geos(box(50, 600, 200, 700)),
    )
    area.full_clean()
    area.save()

    call_command("loaddata", "case_categories", verbosity=0)
    category = Category.objects.get(code="0101")
    Category.objects.filter(pk=category.pk).update(name=SHORT, name_en=SHORT, description=FULL, department=FULL)
    CategoryFamily.objects.filter(pk=category.family_id).update(name=SHORT, name_en=SHORT)
    case = case_services.submit(
        case_services.Report(
            kind="problem",
            category=Category.objects.get(code="0101"),
            description=FULL,
            address=FULL,
            location=point(450, 450),
            contact_name=SHORT,
            contact_phone="13812345678",
        )
    )
    CaseEvent.objects.create(case=case, action="note", actor=worker, note=FULL, handler=FULL)
    Notification.objects.create(recipient=boss, case=case, message=FULL)

    zone = Zone(name=FULL, boundary=geos(box(90, 90, 410, 410)), created_by=boss)
    zone.full_clean()
    zone.save()
    zone_services.refresh_statistics(zone)  # its figures name the compounds inside
    project = Project.objects.create(zone=zone, name=FULL, description=FULL)
    Item.objects.create(
        project=project,
        name=FULL,
        item_class="basic",
        quantity=10,
        unit=MICRO,
        cost_estimate=1000,
        fund_residents=100,
        fund_government=900,
        fund_utilities=0,
        fund_social=0,
    )
    DesignChange.objects.create(project=project, by=boss, description=FULL)
    Comment.objects.create(project=project, text=FULL, status=Comment.Status.APPROVED, client="x")
    Acceptance.objects.create(project=project, inspectors=FULL, resident_evaluation=FULL, note=FULL)
    Project.objects.filter(pk=project.pk).update(stage="publication", published_on=timezone.localdate())
    DemolitionPlan.objects.create(name=FULL, area=geos(box(850, 600, 950, 700)), until_year=2030)

    rule = PointRule.objects.create(code="hostile", name=FULL, source="manual", points=5)
    with transaction.atomic():
        points.grant(household, rule, by=boss, reason=FULL)
    CatalogueItem.objects.create(name=FULL, community=community, price=5, stock=3)
    Rating.objects.create(household=household, kind="courtyard", year=2026, alias=TINY, note=FULL, status="awarded")
    BoardEntry.objects.create(community=community, board="red", household=household, alias=TINY, reason=FULL)

    overlay = FeatureLayer.objects.create(name=FULL, description=FULL)
    Feature.objects.create(layer=overlay, key=FULL, name=FULL, geom=point(900, 400), properties={SHORT: FULL})
    RasterLayer.objects.create(name=FULL, original_name=FULL, status="failed", error=FULL, created_by=boss)
    # An import uploaded as a user does: a hostile file name, column names and values.
    lon, lat = point(700, 700).coords
    upload = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {SHORT: FULL, "名称": FULL},
            }
        ],
    }
    client = signed_in_client(boss)
    response = client.post(
        "/layers/imports/",
        {
            "file": SimpleUploadedFile(
                f"{TINY}.geojson", json.dumps(upload).encode(), content_type="application/geo+json"
            ),
            "target": "building",
            "crs": "",
            "layer": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get()
    assert SHORT in job.fields

    records = {}
    for obj in [
        district,
        street,
        community,
        *cells,
        compound,
        other,
        building,
        household,
        bin_asset,
        green,
        adoption,
        party,
        area,
        case,
        zone,
        project,
        rule,
        overlay,
        job,
        RasterLayer.objects.get(),
    ]:
        records.setdefault(type(obj), []).append(obj)
    for model in [
        AssetFamily,
        AssetType,
        Category,
        CategoryFamily,
        Inspection,
        MaintenanceLog,
        CaseEvent,
        Notification,
        Item,
        DesignChange,
        Comment,
        Acceptance,
        DemolitionPlan,
        CompoundRecord,
        CatalogueItem,
        Rating,
        BoardEntry,
        Feature,
        GridAssignment,
        User,
    ]:
        records[model] = list(model.objects.all()[:3])
    return records, boss


def signed_in_client(user):
    """A client with a session of `user`, verified by a second factor (the admin asks for one)."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


# --- the pages, from the URLconf -----------------------------------------------------------------------------------
SKIPPED_PREFIXES = ("api/", "admin/", "tiles/", "open311/", "i18n/", "healthz", "accounts/logout/")
LEVELS = [("district", District), ("street", Street), ("community", Community), ("cell", GridCell)]


def routes():
    """(route, pattern, namespace) of every page route, first match only."""

    def walk(resolver, prefix, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                yield prefix + str(p.pattern), p, namespace

    seen = set()
    for route, pattern, namespace in walk(get_resolver(), "", None):
        if route in seen or route.startswith(SKIPPED_PREFIXES) or not hasattr(pattern.pattern, "converters"):
            continue
        seen.add(route)
        yield route, pattern, namespace


def model_of(pattern):
    view = pattern.callback
    entity = getattr(view, "view_initkwargs", {}).get("entity")
    if entity is not None:
        return entity.model
    return getattr(getattr(view, "view_class", None), "model", None)


def kwargs_candidates(pattern, namespace, records):
    """Ways to fill the route's parameters with the hostile records (nothing for tiles, exports and POST actions)."""
    names = set(pattern.pattern.converters)
    if not names:
        return [{}]
    if names & {"z", "x", "y", "fmt", "action"}:
        return []
    everything = [obj for objs in records.values() for obj in objs]
    if names == {"app_label", "model", "pk"}:  # a record's audit trail
        return [{"app_label": o._meta.app_label, "model": o._meta.model_name, "pk": str(o.pk)} for o in everything]
    if names == {"level", "pk"}:
        return [{"level": level, "pk": o.pk} for level, model in LEVELS for o in records[model]]
    if names == {"token"}:
        return [{"token": case.token} for case in records[Case]]
    if names == {"project", "household", "code"}:
        return [
            {"project": p.pk, "household": h.pk, "code": resident_code(p.pk, h.pk)}
            for p in records[Project]
            for h in records[Household]
        ]
    by_name = {"zone": Zone, "project": Project, "household": Household}
    choices = {}
    for name in names:
        if name in by_name:
            objs = records[by_name[name]]
        elif name == "pk":
            model = model_of(pattern)
            if model is not None:
                objs = records.get(model, [])
            else:  # the app's own records first, then the grid units (community pages of other apps)
                app = {m for m in records if m._meta.app_label == namespace}
                objs = [o for m in app for o in records[m]] + [
                    o for m in records if m._meta.app_label == "grids" for o in records[m]
                ]
        else:
            return []
        choices[name] = list(dict.fromkeys(o.pk for o in objs))
    return [dict(zip(choices, values, strict=True)) for values in itertools.product(*choices.values())]


def discover_pages(client, records):
    """Every page of the URLconf that answers the superuser with HTML, filled with a hostile record where it can."""
    pages = []
    for _route, pattern, namespace in routes():
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        first = None
        for kwargs in kwargs_candidates(pattern, namespace, records):
            url = reverse(name, kwargs=kwargs)
            response = client.get(url)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                continue
            if MARKER in response.content.decode():
                first = url
                break
            first = first or url
        if first:
            pages.append(first)
    return pages


def admin_pages(records):
    """The admin's list and change page of every registered model that has hostile records."""
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        objs = records.get(model)
        if not objs:
            continue
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[objs[0].pk]))
    return pages


# --- the browser ---------------------------------------------------------------------------------------------------
# Run in every page before its own scripts: CSP violations are reported on the console, and the page's requests
# for data (fetch, then reading the answer) are counted, so that a test can wait until the page has drawn them.
INIT_SCRIPT = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " " + e.blockedURI + " at " +
                e.sourceFile + ":" + e.lineNumber);
});
window.__pendingRequests = 0;
(function () {
  function track(promise) {
    window.__pendingRequests += 1;
    // Counted down after the callbacks waiting on the answer have run (they may ask for more).
    function done() { setTimeout(function () { window.__pendingRequests -= 1; }, 0); }
    promise.then(done, done);
    return promise;
  }
  var fetch = window.fetch;
  window.fetch = function () { return track(fetch.apply(this, arguments)); };
  ["json", "text"].forEach(function (name) {
    var read = Response.prototype[name];
    Response.prototype[name] = function () { return track(read.call(this)); };
  });
})();
"""
# Loaded, no request for data open, no map moving (a map that stops moving may ask for the data of its new view).
DATA_DRAWN = """() => document.readyState === "complete" && window.__pendingRequests === 0 &&
  (window.maps || []).every((m) => !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress))"""

OPEN_MAP_TEXTS = """() => {
  (window.maps || []).forEach(function (map) {
    map.eachLayer(function (layer) {
      try { if (layer.getTooltip && layer.getTooltip()) layer.openTooltip(); } catch (e) { /* a group: no position */ }
      try { if (layer.getPopup && layer.getPopup()) layer.openPopup(); } catch (e) { /* idem */ }
    });
  });
}"""

PAGE_STATE = """() => {
  const handlers = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) if (a.name.startsWith("on")) handlers.push(el.tagName + "[" + a.name + "]");
  }
  const scripts = Array.from(document.querySelectorAll("script:not([src])"))
    .filter((s) => s.type !== "application/json").map((s) => s.outerHTML.slice(0, 120));
  const injected = Array.from(document.querySelectorAll('img[src="x"], svg[onload]')).map((e) => e.outerHTML);
  const jsLinks = Array.from(document.querySelectorAll("a[href], area[href], form[action], iframe[src]"))
    .map((e) => e.getAttribute("href") || e.getAttribute("action") || e.getAttribute("src"))
    .filter((u) => /^\\s*javascript:/i.test(u));
  const maps = Array.from(document.querySelectorAll(".leaflet-container-default"))
    .filter((e) => !e.classList.contains("leaflet-container")).map((e) => e.id);
  return {handlers, scripts, injected, jsLinks, maps, evaluated: document.body.innerText.includes("甲49乙")};
}"""


def visit_all(page, base_url, urls):
    """Open each page; return what went wrong, page by page."""
    problems = {}
    current = {"url": None}

    def note(kind, text):
        problems.setdefault(current["url"], []).append(f"{kind}: {text}")

    def on_dialog(dialog):
        note("dialog", dialog.message)
        dialog.dismiss()

    page.context.add_init_script(INIT_SCRIPT)
    page.on("dialog", on_dialog)
    page.on("console", lambda m: note("CSP", m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: note("script error", (e.stack or str(e))[:600]))
    for url in urls:
        current["url"] = url
        response = page.goto(base_url + url)
        assert response.status == 200, f"{url}: {response.status}"
        page.wait_for_function(DATA_DRAWN)
        # Geometry fields (entity forms, the admin) draw the stored geometry once their map has started.
        page.wait_for_function(
            """() => Array.from(document.querySelectorAll("textarea.django-leaflet-raw-textarea"))
                 .filter((t) => t.value.trim())
                 .every((t) => document.querySelector("#" + CSS.escape(t.id) + "-map .leaflet-overlay-pane path, "
                                                      + "#" + CSS.escape(t.id) + "-map .leaflet-marker-icon"))"""
        )
        page.evaluate(OPEN_MAP_TEXTS)
        page.wait_for_function(DATA_DRAWN)
        state = page.evaluate(PAGE_STATE)
        for key in ("handlers", "scripts", "injected", "jsLinks"):
            for item in state[key]:
                note(key, item)
        for map_id in state["maps"]:
            note("map not started", map_id)
        if state["evaluated"]:
            note("template syntax evaluated", "甲49乙")
        page.goto("about:blank")  # what the page still reports arrives before the next one opens
    return problems


def sign_in(page, base_url, user):
    client = signed_in_client(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return client


@pytest.mark.django_db(transaction=True)
def test_hostile_names_stay_text_on_every_page(live_server, page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    records, boss = hostile_city(tmp_path)
    client = sign_in(page, live_server.url, boss)
    pages = discover_pages(client, records)
    # The pages of every kind of record were found: lists, maps, detail, edit and editor pages.
    for expected in [
        "/grids/map/",
        "/grids/community/",
        "/grids/household/",
        "/assets/map/",
        "/cases/",
        "/planning/",
        "/responsibility/",
        "/layers/imports/",
        "/cogov/points/",
        f"/grids/community/{records[Community][0].pk}/",
        f"/grids/building/{records[Building][0].pk}/edit/",
        f"/responsibility/responsibilityarea/{records[ResponsibilityArea][0].pk}/edit/",
    ]:
        assert expected in pages, (expected, pages)
    problems = visit_all(page, live_server.url, pages)
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


@pytest.mark.django_db(transaction=True)
def test_hostile_names_stay_text_in_the_admin(live_server, page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    records, boss = hostile_city(tmp_path)
    sign_in(page, live_server.url, boss)
    pages = admin_pages(records)
    assert any(p.startswith("/admin/grids/community/") and p.endswith("/change/") for p in pages)
    problems = visit_all(page, live_server.url, pages)
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


@pytest.mark.django_db
def test_script_src_allows_no_inline_script(client):
    for url in ["/", "/grids/map/", "/assets/map/", "/cases/report/"]:
        policy = client.get(url).headers["Content-Security-Policy"]
        directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
        script_src = directives.get("script-src", directives["default-src"])
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, policy
        assert "'self'" in script_src
