"""GDAL's OAPIF driver reads a staff collection with a personal access token (GDAL_HTTP_HEADERS carries
`Authorization: Bearer …`), as QGIS or a city system's script would: no browser session, no cookie."""

import json
import subprocess

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import policy
from accounts.tokens import make_token
from grids.models import Building
from ogc.tests.world import build_city


@pytest.fixture
def city(transactional_db):
    return build_city(buildings=(30, 25))


def read_buildings(url, headers=None):
    command = ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{url}/ogc/", "buildings", "-oo", "PAGE_SIZE=20"]
    if headers:
        command[1:1] = ["--config", "GDAL_HTTP_HEADERS", headers]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        return None, result.stderr
    return json.loads(result.stdout)["features"], result.stderr


def test_gdal_reads_a_staff_collection_with_a_bearer_token(city, live_server):
    manager = city["manager"]
    TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    _token, raw = make_token(manager, "GDAL", "read", verified=True)

    features, _err = read_buildings(live_server.url)
    assert features is None, "a staff collection read without a token"
    features, err = read_buildings(live_server.url, "Authorization: Bearer gw_0_wrong")
    assert features is None

    features, err = read_buildings(live_server.url, f"Authorization: Bearer {raw}")
    assert features is not None, err
    # Every page (20 a page), and what the access policy lets the manager read.
    in_area = policy.scope(manager, "view", Building.objects.all())
    assert len(features) == in_area.count() >= 30
    assert {f["properties"]["name"] for f in features} == set(in_area.values_list("name", flat=True))
