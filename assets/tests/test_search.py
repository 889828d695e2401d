"""Facility search: the words residents use (公厕, 卫生间, 垃圾站), identifiers and their leading digits; every match
counted, a page at a time, nearest to the map's centre first; types that are not public never listed."""

import math

import pytest
from rest_framework.test import APIClient

from assets.tests.helpers import make_asset
from grids.tests.factories import ORIGIN, UTM, point

CENTRE = (480, 380)  # metres from ORIGIN: where the map is centred in these tests


@pytest.fixture
def toilets(types, town):
    """25 public toilets whose names say nothing of toilets, at distinct distances from CENTRE, in scrambled order."""
    made = []
    for i in range(25):
        angle = (i * 137.5) % 360  # spread around the centre
        r = 20 + 31 * ((i * 7) % 25)  # 25 different radii, 20 … 764 m
        x = CENTRE[0] + r * math.cos(math.radians(angle))
        y = CENTRE[1] + r * math.sin(math.radians(angle)) * 0.5
        made.append(make_asset(types, "0304", x, y, name=f"{i + 1}号", open_24h=True))
    return made


@pytest.fixture
def sanitation(types, town):
    bins = [make_asset(types, "0301", 100 + 90 * i, 600, name=f"东街{i}号桶") for i in range(3)]
    point_ = make_asset(types, "0302", 700, 650, name="东街收集房")
    station = make_asset(types, "0303", 850, 700, name="东街站")
    camera = make_asset(types, "0601", CENTRE[0] + 5, CENTRE[1], name="公厕旁摄像头")  # not a public type
    return bins, point_, station, camera


def metres(asset, centre=CENTRE):
    p = asset.anchor.transform(UTM, clone=True)
    return math.dist((p.x - ORIGIN.x, p.y - ORIGIN.y), centre)


def search(client, q, page=None, centre=CENTRE, **params):
    c = point(*centre)
    params = {"q": q, "lon": f"{c.x:.7f}", "lat": f"{c.y:.7f}", **params}
    if page:
        params["page"] = page
    r = client.get("/api/v1/assets/search/", params)
    assert r.status_code == 200, r.content
    return r.json()


def everything(client, q, **params):
    body = search(client, q, **params)
    rows = list(body["results"])
    while body["next"]:
        body = client.get(body["next"]).json()
        rows += body["results"]
    return rows


def names(rows):
    return [r["name"] for r in rows]


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["公厕", "厕所", "卫生间", "公共厕所", "toilet", "WC"])
def test_words_for_a_toilet_find_every_toilet(word, toilets, sanitation):
    body = search(APIClient(), word)
    assert body["count"] == len(toilets)
    assert "公厕旁摄像头" not in names(body["results"])


@pytest.mark.django_db
def test_results_come_a_page_at_a_time_nearest_to_the_centre_first(toilets):
    client = APIClient()
    first = search(client, "公厕")
    assert first["count"] == 25 and len(first["results"]) == 20 and first["next"]
    second = client.get(first["next"]).json()
    assert second["count"] == 25 and len(second["results"]) == 5 and second["next"] is None

    expected = sorted(toilets, key=metres)
    got = first["results"] + second["results"]
    assert [r["id"] for r in got] == [t.pk for t in expected]
    # distances are metres from the centre, as a resident reads them
    for row, t in zip(got, expected, strict=True):
        assert abs(row["distance_m"] - metres(t)) < 2.0

    # from another centre, another order
    corner = (0, 0)
    from_corner = everything(client, "公厕", centre=corner)
    assert [r["id"] for r in from_corner] == [t.pk for t in sorted(toilets, key=lambda t: metres(t, corner))]


@pytest.mark.django_db
def test_words_for_waste_find_the_right_kinds(toilets, sanitation):
    bins, collection, station, _camera = sanitation
    client = APIClient()
    waste = {r["name"] for r in everything(client, "垃圾")}
    assert waste == {b.name for b in bins} | {collection.name, station.name}
    assert {r["name"] for r in everything(client, "垃圾桶")} == {b.name for b in bins}
    assert names(everything(client, "收集点")) == [collection.name]
    assert {r["name"] for r in everything(client, "垃圾站")} == {collection.name, station.name}
    # a family's name finds its types; two words must both match
    assert {r["name"] for r in everything(client, "市容环境")} == waste | {t.name for t in toilets}
    assert {r["name"] for r in everything(client, "东街 垃圾桶")} == {b.name for b in bins}


@pytest.mark.django_db
def test_an_identifier_and_its_leading_digits(toilets, sanitation):
    client = APIClient()
    one = toilets[7]
    assert len(one.identifier) == 16
    assert names(everything(client, one.identifier)) == [one.name]
    prefix = one.identifier[:10]  # county + type: every toilet
    assert search(client, prefix)["count"] == len(toilets)
    fifteen = one.identifier[:15]
    assert search(client, fifteen)["count"] == sum(t.identifier.startswith(fifteen) for t in toilets)


@pytest.mark.django_db
def test_cameras_are_never_listed_to_the_public(toilets, sanitation):
    camera = sanitation[3]
    client = APIClient()
    for q in ["摄像头", "监控", camera.identifier, camera.identifier[:10], "公厕旁"]:
        assert search(client, q)["count"] == 0, q
    assert camera.pk not in {r["id"] for r in everything(client, "公厕")}
    # the asset list's own ?q= filter follows the same rules
    r = client.get("/api/v1/assets/", {"q": "公厕"})
    assert r.json()["count"] == len(toilets)


@pytest.mark.django_db
def test_an_administrator_finds_the_cameras_too(sanitation, django_user_model):
    camera = sanitation[3]
    staff = django_user_model.objects.create_superuser("admin", password="x-long-password-1")
    client = APIClient()
    client.force_authenticate(staff)
    assert names(everything(client, "摄像头")) == [camera.name]


@pytest.mark.django_db
def test_bad_search_input_is_refused_with_the_reason(toilets):
    client = APIClient()
    assert client.get("/api/v1/assets/search/", {"q": "公厕", "lon": "east"}).status_code == 400
    r = client.get("/api/v1/assets/search/", {"q": "公厕", "lon": "114.3"})
    assert r.status_code == 400 and "lat" in r.content.decode()
    assert client.get("/api/v1/assets/search/", {"q": ""}).json()["count"] == 0
    assert client.get("/api/v1/assets/search/", {"q": "公厕", "page": "9"}).status_code == 404
