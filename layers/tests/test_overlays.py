"""Imported overlay layers as layers of their own: the list, the map of a layer coloured by a property (its OGC
API Features page), its export in every format, and deleting it after a confirmation; all for those the access
policy lets read overlay layers."""

import math
import re

import mapbox_vector_tile
import pyogrio.raw
import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from grids.tests.factories import point
from layers.models import Feature, FeatureLayer
from ogc.tests.world import PASSWORD, footprint

pytestmark = pytest.mark.django_db


def make_layer():
    layer = FeatureLayer.objects.create(name="地下管线", description="2024 普查")
    for i, material in enumerate(["PE", "PE", "steel"]):
        Feature.objects.create(
            layer=layer, key=f"p{i}", name=f"管{i}", geom=footprint(30 * i, 0), properties={"material": material}
        )
    Feature.objects.create(layer=layer, key="v1", name="阀门", geom=point(10, 50), properties={"material": "iron"})
    return layer


def test_the_list_exports_and_deletes_with_a_confirmation(admin_client, client, tmp_path):
    layer = make_layer()
    page = admin_client.get("/layers/overlays/").content.decode()
    assert "地下管线" in page and f"/ogc/collections/layer-{layer.pk}/items" in page
    answer = admin_client.get(f"/layers/overlays/{layer.pk}/export/", {"format": "gpkg", "crs": "4547"})
    assert answer.status_code == 200
    path = tmp_path / "layer.gpkg"
    path.write_bytes(answer.content)
    meta, _fids, geoms, data = pyogrio.raw.read(str(path))
    assert meta["crs"] == "EPSG:4547" and len(geoms) == 4
    fields = meta["fields"].tolist()
    assert {"key", "name", "material"} <= set(fields)
    assert sorted(data[fields.index("material")].tolist()) == ["PE", "PE", "iron", "steel"]
    for fmt in ("geojson", "csv", "xlsx"):
        assert admin_client.get(f"/layers/overlays/{layer.pk}/export/", {"format": fmt}).status_code == 200, fmt
    # a shapefile holds one kind of geometry: polygons and a point are refused with the reason
    answer = admin_client.get(f"/layers/overlays/{layer.pk}/export/", {"format": "shp"})
    assert answer.status_code == 400 and "Point" in answer.content.decode()
    assert admin_client.get(f"/layers/overlays/{layer.pk}/export/", {"crs": "EPSG:999999"}).status_code == 400
    # someone without the layer permissions: no list entry, no export, no delete
    clerk = User.objects.create_user("clerk", password=PASSWORD)
    client.force_login(clerk)
    assert "地下管线" not in client.get("/layers/overlays/").content.decode()
    assert client.get(f"/layers/overlays/{layer.pk}/export/").status_code == 404
    assert client.post(f"/layers/overlays/{layer.pk}/delete/").status_code == 404
    confirm = admin_client.get(f"/layers/overlays/{layer.pk}/delete/").content.decode()
    assert "地下管线" in confirm and FeatureLayer.objects.filter(pk=layer.pk).exists()
    assert admin_client.post(f"/layers/overlays/{layer.pk}/delete/").status_code == 302
    assert not FeatureLayer.objects.filter(pk=layer.pk).exists() and not Feature.objects.exists()


def test_the_map_of_a_layer_is_coloured_by_a_chosen_property(live_server, page, transactional_db):
    make_layer()
    User.objects.create_superuser("overlay_admin", password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "overlay_admin")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    page.goto(f"{live_server.url}/layers/overlays/")
    with page.expect_navigation():
        page.locator("#overlay-list").get_by_role("link", name=re.compile("地图|Map")).first.click()
    expect(page.locator("#ogc-map")).to_have_attribute("data-ready", "1")
    expect(page.locator("#ogc-items-map path.leaflet-interactive")).to_have_count(4)  # three polygons, a point
    with page.expect_navigation():
        page.select_option("#ogc-style-select", "material")
    expect(page.locator("#ogc-map")).to_have_attribute("data-ready", "1")
    expect(page.locator("#ogc-legend li")).to_have_count(3)  # PE, steel, iron
    colours = {page.locator("#ogc-items-map path.leaflet-interactive").nth(i).get_attribute("stroke") for i in range(4)}
    assert len(colours) == 3  # PE, PE, steel, iron


def test_who_sees_a_layer_public_or_staff_of_an_area(client, admin_client):
    from ogc.tests.world import build_city

    city = build_city(buildings=(1, 1))
    layer = make_layer()
    worker = Client()
    worker.force_login(city["worker"])
    items = f"/ogc/collections/layer-{layer.pk}/items"

    def seen(who):
        listed = f"layer-{layer.pk}" in who.get("/ogc/collections").content.decode()
        read = who.get(items).status_code == 200
        assert listed == read
        return read and "地下管线" in who.get("/layers/overlays/").content.decode()

    assert not seen(worker)  # administrators and those given the layer permissions only
    prefix = f"v{layer.pk}"
    answer = admin_client.post(
        f"/layers/overlays/{layer.pk}/visibility/",
        {f"{prefix}-visibility": "staff", f"{prefix}-community": city["b"].pk},
    )
    assert answer.status_code == 302
    assert not seen(worker)  # staff of another community
    layer.refresh_from_db()
    assert (layer.visibility, layer.community) == ("staff", city["b"])
    layer.community = city["a"]
    layer.save()
    assert seen(worker)
    assert client.get(items).status_code == 404  # nobody signed in
    assert (
        worker.post(f"/layers/overlays/{layer.pk}/visibility/", {f"{prefix}-visibility": "public"}).status_code == 403
    )
    layer.refresh_from_db()
    assert layer.visibility == "staff"
    # only public layers are drawn on the (public) vector tiles
    lon, lat = Feature.objects.filter(layer=layer).first().geom.centroid.coords
    n = 2**16
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    tile = f"/tiles/overlay/16/{x}/{y}.pbf"

    def drawn():
        answer = client.get(tile)
        if answer.status_code == 204 or not answer.content:
            return []
        decoded = mapbox_vector_tile.decode(answer.content)
        return [f["properties"] for layer_ in decoded.values() for f in layer_["features"]]

    assert drawn() == []  # a staff layer is not on the public tiles
    layer.visibility = "public"
    layer.save()
    page = client.get(items)
    assert page.status_code == 200 and page.json()["numberMatched"] == 4
    assert {p["layer_id"] for p in drawn()} == {layer.pk}
