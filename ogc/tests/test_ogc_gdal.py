"""OGC API Features at /ogc/ read by GDAL's OAPIF driver (ogrinfo, ogr2ogr from gdal-bin) against a live server,
and written through Part 4 with the area policy.

World: district 429801; community A (cells A1, A2) and community B (cell B1); 60 buildings in A1 and 55 in B1;
households in A1 and B1; a grid worker of A1 and a manager of community A.
"""

import json
import subprocess

import pytest
from django.core.management import call_command
from django.test import Client
from shapely.geometry import box

from accounts.models import Membership, Role
from grids.models import Building, Community, District, GridCell, Household, Street
from grids.tests.factories import geos, point

PASSWORD = "x-long-password-1"


def footprint(x, y, size=8):
    poly = geos(box(x, y, x + size, y + size))
    return poly[0]


@pytest.fixture
def city(transactional_db):
    from django.contrib.auth.models import User

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
    for i in range(60):
        Building.objects.create(name=f"A{i}", footprint=footprint(20 + (i % 10) * 40, 20 + (i // 10) * 40), storeys=6)
    for i in range(55):
        Building.objects.create(name=f"B{i}", footprint=footprint(3020 + (i % 10) * 40, 20 + (i // 10) * 40))
    for x in (25, 65, 3025):
        Household.objects.create(head_name="张三", phone="13800000001", location=point(x, 25))
    worker = User.objects.create_user("ogc_worker", password=PASSWORD)
    Membership.objects.create(user=worker, role=Role.WORKER, cell=a1)
    manager = User.objects.create_user("ogc_manager", password=PASSWORD)
    Membership.objects.create(user=manager, role=Role.MANAGER, community=a)
    return {"a": a, "b": b, "a1": a1, "b1": b1, "worker": worker, "manager": manager}


def session_of(client, user):
    client.force_login(user)
    return client.cookies["sessionid"].value


def gdal(*args, cookie=None):
    command = list(args)
    if cookie:
        command[1:1] = ["--config", "GDAL_HTTP_COOKIE", f"sessionid={cookie}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def layers_listed(url, cookie=None):
    result = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{url}/ogc/", cookie=cookie)
    assert result.returncode == 0, result.stderr
    return {line.split(":", 1)[1].strip().split(" ")[0] for line in result.stdout.splitlines() if ":" in line}


def read_all(url, layer, cookie=None, page_size=50):
    """Every feature of a layer as GDAL pages through it (ogr2ogr to GeoJSON)."""
    result = gdal(
        "ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{url}/ogc/", layer,
        "-oo", f"PAGE_SIZE={page_size}", cookie=cookie,
    )  # fmt: skip
    if result.returncode != 0:
        return None, result.stderr
    return json.loads(result.stdout)["features"], result.stderr


def test_gdal_lists_reads_every_page_and_staff_layers_need_a_session(city, live_server, client):
    url = live_server.url
    public = layers_listed(url)
    assert {"communities", "cells", "renovation-zones"} <= public
    assert any(name.startswith("facilities-") for name in public)
    assert not {"buildings", "compounds", "cases", "responsibility-areas", "cell-households"} & public

    features, _err = read_all(url, "cells", page_size=2)
    assert len(features) == GridCell.objects.count() == 3
    assert {f["properties"]["code"] for f in features} == set(GridCell.objects.values_list("code", flat=True))

    features, err = read_all(url, "buildings")
    assert features is None, "buildings read without a session"

    cookie = session_of(client, city["manager"])
    staff = layers_listed(url, cookie)
    assert {"buildings", "compounds", "cell-households"} <= staff
    features, err = read_all(url, "buildings", cookie)
    assert features is not None, err
    assert len(features) == Building.objects.count() == 115  # three pages of 50
    assert len({f["properties"]["name"] for f in features}) == 115

    # A feature written through Part 4 by the cell's grid worker appears on the pages GDAL reads.
    editor = Client()
    editor.force_login(city["worker"])
    geometry = json.loads(footprint(20, 700).geojson)
    answer = editor.post(
        "/ogc/collections/buildings/items",
        json.dumps({"type": "Feature", "geometry": geometry, "properties": {"name": "新楼", "storeys": 3}}),
        content_type="application/geo+json",
    )
    assert answer.status_code == 201, answer.content
    assert answer["Location"].endswith(f"/ogc/collections/buildings/items/{Building.objects.get(name='新楼').pk}")
    features, err = read_all(url, "buildings", cookie)
    assert len(features) == 116
    new = [f for f in features if f["properties"]["name"] == "新楼"]
    assert new and new[0]["properties"]["storeys"] == 3
    assert new[0]["properties"]["cell"] == city["a1"].code
