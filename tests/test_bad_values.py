"""Hostile query values never make a server error: every list endpoint of the API router (read from the router and
the OpenAPI schema, so a new endpoint is covered without touching this file) and every page or view that reads
query parameters answer 200 or 400, and a 400 names the parameter it refuses.

Values: NaN, infinities, 1e309, impossible and out-of-range dates, reversed and out-of-range boxes, non-numbers,
very long strings and null bytes, sent one parameter at a time as an administrator.
"""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from gridwork.urls import router

pytestmark = pytest.mark.django_db

VALUES = [
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "2026-02-30",
    "2026-13-01",
    "0001-01-01",
    "9999-12-31",
    "abc",
    "-1",
    "99999999999999999999999",
    "x" * 5000,
    "\x00",
    "٣",  # a digit to str.isdigit() and to re's \d, not a number a client means
]
BBOXES = [
    "NaN,NaN,NaN,NaN",
    "inf,0,1,1",
    "0,-inf,1,1",
    "1e309,0,1,1",
    "114.4,30.6,114.2,30.4",  # reversed
    "114.2,30.6,114.4,30.4",  # latitudes reversed
    "-200,0,10,10",
    "0,-95,10,10",
    "0,0,190,10",
    "1,2,3",
    "1,2,3,4,5",
    "a,b,c,d",
    "114.2,30.4,114.4,30.6\x00",
]
# Valid values for parameters an endpoint requires, so that the hostile value is the only thing wrong.
VALID = {"lon": "114.30", "lat": "30.50", "type": "0304", "q": "公厕", "long": "114.30"}


def api_list_endpoints():
    """(url name, path) of every list route of the router and of its list-level GET actions."""
    found = []
    for _prefix, viewset, basename in router.registry:
        if hasattr(viewset, "list"):
            found.append(f"api:{basename}-list")
        for act in viewset.get_extra_actions():
            if not act.detail and "get" in act.mapping:
                found.append(f"api:{basename}-{act.url_name}")
    return found


def schema_parameters():
    """{path: [(name, required)]} of the query parameters each GET operation documents."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    out = {}
    for path, operations in schema["paths"].items():
        params = operations.get("get", {}).get("parameters", [])
        out[path] = [(p["name"], bool(p.get("required"))) for p in params if p["in"] == "query"]
    return out


ENDPOINTS = api_list_endpoints()


@pytest.fixture(scope="module")
def documented():
    return schema_parameters()


@pytest.fixture
def city(django_user_model):
    from grids.tests.factories import make_cells, make_community, make_households

    call_command("loaddata", "asset_types", verbosity=0)
    call_command("loaddata", "case_categories", verbosity=0)
    community = make_community()
    make_cells(community, 2, 1)
    make_households(community, 5)
    admin = django_user_model.objects.create_superuser("bad-values-admin", password="x-long-password-1")
    return {"community": community, "admin": admin}


def body_text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    try:
        return json.dumps(json.loads(content), ensure_ascii=False)
    except ValueError:
        return content.decode("utf-8", "replace")


# Parameters that go together: a hostile value of one is sent with a valid value of the other.
PARTNERS = {"lon": "lat", "lat": "lon", "long": "lat"}


def probe(client, path, params, base=None, method="get"):
    """Send each hostile value of each parameter; return the failures as readable lines."""
    failures = []
    names = {name for name, _values in params}
    for name, values in params:
        partner = PARTNERS.get(name)
        pair = {partner: VALID[partner]} if partner in names and partner not in (base or {}) else {}
        for value in values:
            query = {**(base or {}), **pair, name: value}
            response = getattr(client, method)(path, query)
            status = response.status_code
            if status not in (200, 400):
                failures.append(f"{method.upper()} {path} {name}={value[:30]!r}: {status}")
            elif status == 400 and name not in body_text(response):
                failures.append(f"{method.upper()} {path} {name}={value[:30]!r}: 400 without naming {name}")
    return failures


def test_every_router_list_endpoint_is_covered():
    assert "api:district-list" in ENDPOINTS and "api:asset-nearest" in ENDPOINTS
    assert len(ENDPOINTS) >= len(router.registry)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_api_list_endpoints_refuse_hostile_values_with_400(client, city, documented, name):
    client.force_login(city["admin"])
    path = reverse(name)
    params = dict(documented.get(path, []))
    missing = [p for p, required in params.items() if required and p not in VALID]
    assert not missing, f"add a valid value for the required parameter(s) {missing} of {path} to VALID"
    base = {p: VALID[p] for p, required in params.items() if required}
    assert client.get(path, base).status_code == 200, path
    names = sorted(set(params) | {"bbox", "page", "page_size"})
    failures = probe(client, path, [(n, VALUES + (BBOXES if n == "bbox" else [])) for n in names], base)
    assert not failures, "\n".join(failures)


def test_a_bad_box_is_a_400_that_says_what_is_wrong(client, city):
    client.force_login(city["admin"])
    reversed_box = client.get(
        "/api/v1/districts/", {"bbox": "114.4,30.6,114.2,30.4"}, headers={"accept-language": "en"}
    )
    assert reversed_box.status_code == 400
    assert "reversed" in reversed_box.json()["bbox"][0]
    chinese = client.get("/api/v1/districts/", {"bbox": "114.4,30.6,114.2,30.4"}).json()["bbox"][0]
    assert "颠倒" in chinese and "bbox" in chinese
    nan = client.get("/api/v1/cells/", {"bbox": "NaN,NaN,NaN,NaN"}, headers={"accept-language": "en"})
    assert nan.status_code == 400 and list(nan.json()) == ["bbox"]
    good = client.get("/api/v1/cells/", {"bbox": "114.2,30.4,114.4,30.6"})
    assert good.status_code == 200 and len(good.json()["features"]) == 2


# Views outside the router that read query parameters: path (formatted with the city), parameters, valid base.
VIEWS = [
    ("/cogov/dashboard/district/{district}/", ["start", "end", "radius"], {}),
    ("/cogov/dashboard/community/{community}/report.xlsx", ["start", "end", "radius"], {}),
    ("/accounts/audit/export.csv", ["since", "model"], {}),
    ("/layers/raster/compare/", ["before", "after"], {}),
    ("/layers/imports/", ["page"], {}),
    (
        "/open311/v2/requests.json",
        ["start_date", "end_date", "status", "service_code", "service_request_id"],
        {},
    ),
    ("/open311/v2/requests.xml", ["start_date", "end_date"], {}),
    ("/cases/nearby/", ["lon", "lat", "category"], {"lon": "{lon}", "lat": "{lat}", "category": "0101"}),
    ("/cases/assets-near/", ["lon", "lat"], {"lon": "{lon}", "lat": "{lat}"}),
    ("/cases/", ["state", "category", "cell", "start", "end", "overdue"], {}),
    ("/cases/features/", ["state", "start", "end"], {}),
    ("/cases/heat/", ["state", "start", "end"], {}),
    ("/cases/overdue/", ["page"], {}),
    ("/responsibility/community/{community}/coverage/", ["date"], {}),
    ("/responsibility/responsibilityarea/new/", ["community"], {}),
    ("/api/v1/responsibility/", ["lon", "lat", "date"], {"lon": "{lon}", "lat": "{lat}"}),
    ("/api/v1/communities/{community}/coverage/", ["date"], {}),
    ("/api/v1/cells/", ["on"], {}),
    ("/api/v1/assignments/", ["on"], {}),
    ("/grids/building/", ["page", "cell", "community", "compound"], {}),
    ("/grids/gridcell/", ["page", "community", "code"], {}),
    ("/grids/building/export/", ["format", "crs"], {"format": "csv"}),
    ("/grids/community/{community}/", ["reveal"], {}),
    ("/assets/adoptions/", ["status", "flag"], {}),
    ("/assets/map/", ["bbox"], {}),
    ("/cogov/points/", ["q", "page"], {}),
]


def fill(text, city):
    from grids.tests.factories import point

    c = city["community"]
    here = point(100, 100)
    return text.format(
        community=c.pk, district=c.street.district_id, street=c.street_id, lon=f"{here.x:.6f}", lat=f"{here.y:.6f}"
    )


@pytest.mark.parametrize("path,names,base", VIEWS, ids=[v[0] for v in VIEWS])
def test_views_with_query_parameters_refuse_hostile_values_with_400(client, city, path, names, base):
    client.force_login(city["admin"])
    path = fill(path, city)
    base = {k: fill(v, city) for k, v in base.items()}
    first = client.get(path, base)
    assert first.status_code in (200, 302), (path, first.status_code)
    failures = probe(client, path, [(n, VALUES + (BBOXES if n == "bbox" else [])) for n in names], base)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "query,field",
    [
        ({"start": "0001-01-01", "end": "9999-12-31"}, "start"),
        ({"start": "2026-03-31", "end": "2026-03-01"}, "start"),
        ({"start": "1990-01-01", "end": "2026-03-01"}, "end"),  # longer than the longest period
        ({"start": "2026-13-01"}, "start"),
        ({"end": "2026-02-30"}, "end"),
    ],
)
def test_dashboard_periods_are_checked_as_a_range(client, city, query, field):
    client.force_login(city["admin"])
    url = f"/cogov/dashboard/district/{city['community'].street.district_id}/"
    response = client.get(url, query, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert client.get(url, {"start": "2026-03-01", "end": "2026-03-31"}).status_code == 200


def test_open311_w3_dates_are_read_with_their_offset(client, city):
    assert client.get("/open311/v2/requests.json?start_date=2026-03-01T00:00:00%2B08:00").status_code == 200
    # an unencoded "+" arrives as a space
    assert client.get("/open311/v2/requests.json?start_date=2026-03-01T00:00:00+08:00").status_code == 200
    assert client.get("/open311/v2/requests.json?start_date=2026-03-01T25:00:00%2B08:00").status_code == 400


def test_open311_reversed_dates_and_a_nan_position_are_400s(client, city):
    from cases.models import Case, Open311Client

    reversed_dates = client.get("/open311/v2/requests.json", {"start_date": "2026-03-02", "end_date": "2026-03-01"})
    assert reversed_dates.status_code == 400 and "start_date" in reversed_dates.json()[0]["description"]
    bad_day = client.get("/open311/v2/requests.json", {"start_date": "2026-02-30"})
    assert bad_day.status_code == 400 and "start_date" in bad_day.json()[0]["description"]
    key = Open311Client.objects.create(name="热线").api_key
    for lat in VALUES:
        response = client.post(
            "/open311/v2/requests.json",
            {"api_key": key, "service_code": "0101", "lat": lat, "long": "114.3", "description": "垃圾"},
        )
        assert response.status_code == 400, (lat, response.status_code)
        assert "lat" in response.json()[0]["description"]
    assert Case.objects.count() == 0
