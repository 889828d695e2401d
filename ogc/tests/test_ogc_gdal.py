"""OGC API Features at /ogc/ read by GDAL's OAPIF driver (ogrinfo, ogr2ogr from gdal-bin) against a live server,
and written through Part 4 with the area policy.

World: ogc/tests/world.py.
"""

import json
import subprocess

import pytest
from django.test import Client

from grids.models import Building, GridCell
from ogc.tests.world import build_city, footprint


@pytest.fixture
def city(transactional_db):
    return build_city()


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
