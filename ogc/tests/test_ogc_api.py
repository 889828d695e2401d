"""OGC API Features at /ogc/ through the test client: CRS by reference (Part 2), paging links, filters, the area
policy on reading and on Part 4 writes, overlay layers and zones on notice. World: ogc/tests/world.py."""

import json

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.test import Client

from grids.models import Building, Community, GridCell
from ogc import crs
from ogc.tests.world import build_city, footprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    return build_city(buildings=(3, 2))


def signed_in(user):
    c = Client()
    c.force_login(user)
    return c


def get_json(client, url, status=200):
    answer = client.get(url)
    assert answer.status_code == status, answer.content[:300]
    return answer, json.loads(answer.content)


def first_xy(geometry):
    coords = geometry["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    return coords


def test_landing_conformance_and_media_types(client, city):
    answer, data = get_json(client, "/ogc/")
    assert {link["rel"] for link in data["links"]} >= {"self", "conformance", "data", "service-desc"}
    described = next(link["href"] for link in data["links"] if link["rel"] == "service-desc")
    assert "/ogc/collections/{collection_id}/items" in client.get(described).content.decode()
    _answer, conf = get_json(client, "/ogc/conformance")
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf["conformsTo"]
    answer = client.get("/ogc/collections/cells/items")
    assert answer["Content-Type"] == "application/geo+json"
    assert answer["Content-Crs"] == f"<{crs.CRS84}>"
    html = client.get("/ogc/collections/cells/items", headers={"accept": "text/html"})
    assert html["Content-Type"].startswith("text/html") and city["a1"].code in html.content.decode()


def test_paging_links_and_counts(client, city):
    _a, page = get_json(client, f"/ogc/collections/cells/items?limit=1&community={city['a'].pk}")
    assert (page["numberMatched"], page["numberReturned"]) == (2, 1)
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert "prev" not in rels
    _a, last = get_json(client, rels["next"])
    assert last["numberReturned"] == 1
    rels = {link["rel"]: link["href"] for link in last["links"]}
    assert "next" not in rels and "prev" in rels
    assert "after=" in page["links"][-2]["href"] or any("after=" in x["href"] for x in page["links"])
    _a, back = get_json(client, rels["prev"])  # the prev link leads back to the first page
    assert [f["id"] for f in back["features"]] == [f["id"] for f in page["features"]]
    _a, by_offset = get_json(client, f"/ogc/collections/cells/items?limit=1&offset=1&community={city['a'].pk}")
    assert [f["id"] for f in by_offset["features"]] == [f["id"] for f in last["features"]]
    assert client.get("/ogc/collections/cells/items?after=1&before=9").status_code == 400
    codes = {f["properties"]["code"] for f in page["features"] + last["features"]}
    assert codes == set(GridCell.objects.filter(community=city["a"]).values_list("code", flat=True))


def test_crs_by_reference(client, city):
    cell = city["a1"]
    _a, plain = get_json(client, f"/ogc/collections/cells/items/{cell.pk}")
    lon, lat = first_xy(plain["geometry"])
    assert 114 < lon < 115 and 30 < lat < 31
    answer, wgs = get_json(client, f"/ogc/collections/cells/items/{cell.pk}?crs={crs.EPSG_URI.format(4326)}")
    assert answer["Content-Crs"] == f"<{crs.EPSG_URI.format(4326)}>"
    assert first_xy(wgs["geometry"]) == pytest.approx([lat, lon])  # EPSG:4326 is latitude first
    answer, gk = get_json(client, f"/ogc/collections/cells/items/{cell.pk}?crs={crs.EPSG_URI.format(4547)}")
    north, east = first_xy(gk["geometry"])
    assert 3_300_000 < north < 3_500_000 and 400_000 < east < 600_000  # northing, easting in metres
    # bbox in the Gauss-Krüger zone around community A only
    a = Community.objects.get(pk=city["a"].pk).boundary.transform(4547, clone=True)
    e0, n0, e1, n1 = a.extent
    box = f"{n0 + 10},{e0 + 10},{n1 - 10},{e1 - 10}"
    _a, inside = get_json(client, f"/ogc/collections/cells/items?bbox={box}&bbox-crs={crs.EPSG_URI.format(4547)}")
    box_4326 = Polygon.from_bbox((e0 + 10, n0 + 10, e1 - 10, n1 - 10))
    box_4326.srid = 4547
    expected = GridCell.objects.filter(boundary__intersects=box_4326.transform(4326, clone=True))
    assert {f["id"] for f in inside["features"]} == set(expected.values_list("pk", flat=True))
    assert {city["a1"].pk} < {f["id"] for f in inside["features"]} and city["b1"].pk not in expected
    answer = client.get("/ogc/collections/cells/items?crs=http://www.opengis.net/def/crs/EPSG/0/3857")
    assert answer.status_code == 400 and "crs" in json.loads(answer.content)


def test_filters_and_bad_parameters(client, city):
    _a, page = get_json(client, f"/ogc/collections/cells/items?community={city['a'].pk}")
    assert page["numberMatched"] == 2
    for query in ("community=abc", "limit=0", "bbox=1,2,3", "bbox=10,10,0,0", "datetime=2026-01-01", "f=xml"):
        answer = client.get(f"/ogc/collections/cells/items?{query}")
        assert answer.status_code == 400, query


def test_staff_layers_follow_the_area_policy(client, city):
    assert client.get("/ogc/collections/buildings/items").status_code == 404
    assert signed_in(city["resident"]).get("/ogc/collections/buildings/items").status_code == 404
    worker = signed_in(city["worker"])
    _a, listed = get_json(worker, "/ogc/collections")
    assert {"buildings", "cell-households"} <= {c["id"] for c in listed["collections"]}
    _a, counts = get_json(worker, "/ogc/collections/cell-households/items")
    assert [(f["properties"]["code"], f["properties"]["households"]) for f in counts["features"]] == [
        (city["a1"].code, 2)
    ]
    assert "head_name" not in json.dumps(counts) and "13800000001" not in json.dumps(counts)
    one_id = counts["features"][0]["id"]
    _a, one = get_json(worker, f"/ogc/collections/cell-households/items/{one_id}")
    assert (one["properties"]["code"], one["properties"]["households"]) == (city["a1"].code, 2)


def feature(geom, **props):
    return json.dumps({"type": "Feature", "geometry": json.loads(geom.geojson), "properties": props})


def test_part4_writes_go_through_the_models_rules_and_the_area_policy(client, city):
    worker = signed_in(city["worker"])
    items = "/ogc/collections/buildings/items"
    kind = "application/geo+json"
    before = Building.objects.count()
    # nobody signed in writes nothing
    assert client.post(items, feature(footprint(200, 600), name="x"), content_type=kind).status_code in (401, 403, 404)
    # inside the worker's cell
    answer = worker.post(items, feature(footprint(200, 600), name="新楼", storeys=4), content_type=kind)
    assert answer.status_code == 201, answer.content
    new = Building.objects.get(name="新楼")
    assert new.cell_id == city["a1"].pk and new.storeys == 4
    _a, page = get_json(worker, f"{items}?limit=100")
    assert "新楼" in {f["properties"]["name"] for f in page["features"]}
    # in another community's cell: refused, nothing saved
    answer = worker.post(items, feature(footprint(3600, 600), name="越界"), content_type=kind)
    assert answer.status_code == 403
    assert not Building.objects.filter(name="越界").exists() and Building.objects.count() == before + 1
    # another cell's feature cannot be changed; a move out of the cell is refused
    theirs = Building.objects.filter(community=city["b"]).first()
    answer = worker.patch(f"{items}/{theirs.pk}", json.dumps({"type": "Feature", "properties": {"storeys": 9}}),
                          content_type=kind)  # fmt: skip
    assert answer.status_code == 403
    theirs.refresh_from_db()
    assert theirs.storeys is None
    answer = worker.put(f"{items}/{new.pk}", feature(footprint(3600, 600), name="新楼"), content_type=kind)
    assert answer.status_code == 403
    new.refresh_from_db()
    assert new.cell_id == city["a1"].pk
    # the model's rules: a wrong value is a 400 naming the field
    point = json.dumps(
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.3, 30.5]}, "properties": {}}
    )
    answer = worker.post(items, point, content_type=kind)
    assert answer.status_code == 400 and "geometry" in json.loads(answer.content)
    assert worker.post(items, "{not json", content_type=kind).status_code == 400
    answer = worker.patch(f"{items}/{new.pk}", json.dumps({"type": "Feature", "properties": {"storeys": -1}}),
                          content_type=kind)  # fmt: skip
    assert answer.status_code == 400 and "storeys" in json.loads(answer.content)
    answer = worker.patch(f"{items}/{new.pk}", json.dumps({"type": "Feature", "properties": {"storeys": 5}}),
                          content_type=kind)  # fmt: skip
    assert answer.status_code == 204
    new.refresh_from_db()
    assert new.storeys == 5
    # a geometry given in the Gauss-Krüger zone (Content-Crs) lands where it should
    moved = footprint(240, 640).transform(4547, clone=True)
    from shapely import from_wkb, ops

    flipped = ops.transform(lambda x, y, z=None: (y, x), from_wkb(bytes(moved.wkb)))
    body = json.dumps({"type": "Feature", "geometry": flipped.__geo_interface__, "properties": {"name": "新楼"}})
    answer = worker.put(
        f"{items}/{new.pk}", body, content_type=kind, headers={"content-crs": f"<{crs.EPSG_URI.format(4547)}>"}
    )
    assert answer.status_code == 204, answer.content
    new.refresh_from_db()
    assert new.footprint.centroid.distance(footprint(240, 640).centroid) < 1e-6
    # deleting needs the delete permission in the area: the manager of community A may not (no delete role)
    manager = signed_in(city["manager"])
    assert manager.delete(f"{items}/{new.pk}").status_code == 403
    assert Building.objects.filter(pk=new.pk).exists()


def test_overlay_layers_and_zones_on_notice(client, city, admin_user):
    from layers.models import Feature, FeatureLayer
    from planning.models import Project, Zone

    layer = FeatureLayer.objects.create(name="管线")
    Feature.objects.create(layer=layer, key="p1", name="一号", geom=footprint(10, 10), properties={"material": "PE"})
    assert client.get(f"/ogc/collections/layer-{layer.pk}/items").status_code == 404
    admin = signed_in(admin_user)
    _a, page = get_json(admin, f"/ogc/collections/layer-{layer.pk}/items?material=PE")
    assert page["numberMatched"] == 1 and page["features"][0]["properties"]["material"] == "PE"
    answer = admin.post(
        f"/ogc/collections/layer-{layer.pk}/items",
        feature(footprint(50, 50), key="p2", material="steel"),
        content_type="application/geo+json",
    )
    assert answer.status_code == 201, answer.content
    assert Feature.objects.get(key="p2").properties == {"material": "steel"}
    zone = Zone.objects.create(name="公示片区", boundary=MultiPolygon(footprint(0, 0, 300)))
    Zone.objects.create(name="草稿片区", boundary=MultiPolygon(footprint(400, 0, 300)))
    project = Project.objects.create(name="改造", zone=zone)
    Project.objects.filter(pk=project.pk).update(published_on="2026-11-01", stage="publication")
    _a, zones = get_json(client, "/ogc/collections/renovation-zones/items")
    assert [f["properties"]["name"] for f in zones["features"]] == ["公示片区"]


def test_cases_are_points_without_personal_data_filtered_by_datetime(django_user_model):
    from cases.models import Case
    from cases.tests.factories import dispatcher, place, report

    place(django_user_model)
    old, new = report(100, 100), report(600, 100, description="张三 13812345678 家门口")
    Case.objects.filter(pk=old.pk).update(created_at="2026-01-15T10:00:00+08:00")
    staff = signed_in(dispatcher(django_user_model))
    _a, everything = get_json(staff, "/ogc/collections/cases/items")
    assert {f["id"] for f in everything["features"]} == {old.pk, new.pk}
    assert {f["geometry"]["type"] for f in everything["features"]} == {"Point"}
    text = json.dumps(everything, ensure_ascii=False)
    assert "13812345678" not in text and "张三" not in text and "description" not in text
    _a, january = get_json(staff, "/ogc/collections/cases/items?datetime=2026-01-01/2026-01-31")
    assert [f["id"] for f in january["features"]] == [old.pk]
    _a, since = get_json(staff, "/ogc/collections/cases/items?datetime=2026-02-01T00:00:00Z/..")
    assert [f["id"] for f in since["features"]] == [new.pk]
    assert staff.get("/ogc/collections/cases/items?datetime=2026-02-30").status_code == 400
    assert Client().get("/ogc/collections/cases/items").status_code == 404
