"""What GIS clients need from the JSON API and the exports: GeoJSON lists answered as application/geo+json with
RFC 8288 Link headers (application/json to clients asking for it); GeoPackages written as version 1.2 (read by
GDAL 3.6 without a warning); CSV exports that carry their CRS on every row and in the file name."""

import csv
import io
import json
import sqlite3

import pytest

from grids.models import Building
from ogc.tests.world import build_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    return build_city(buildings=(3, 2))


def link_header(response):
    """{rel: url} from an RFC 8288 Link header."""
    out = {}
    for part in response.get("Link", "").split(","):
        if part.strip():
            url, rel = part.split(";", 1)
            out[rel.strip().split("=", 1)[1].strip('"')] = url.strip().strip("<>")
    return out


def test_geojson_lists_are_geo_json_with_link_headers(client, city):
    first = client.get("/api/v1/buildings/?page_size=2")
    assert first["Content-Type"] == "application/geo+json"
    links = link_header(first)
    assert "prev" not in links and links["next"].endswith("page=2&page_size=2")
    assert first.json()["next"] == links["next"]
    second = client.get(links["next"])
    assert set(link_header(second)) == {"next", "prev"}
    plain = client.get("/api/v1/buildings/?page_size=2", headers={"accept": "application/json"})
    assert plain["Content-Type"] == "application/json" and plain.json()["type"] == "FeatureCollection"
    asked = client.get("/api/v1/buildings/?page_size=2", headers={"accept": "application/geo+json"})
    assert asked.status_code == 200 and asked["Content-Type"] == "application/geo+json"
    total, names = Building.objects.count(), set()
    url = "/api/v1/buildings/?page_size=2"
    while url:  # following the Link headers reads every feature once
        page = client.get(url)
        names |= {f["properties"]["name"] for f in page.json()["features"]}
        url = link_header(page).get("next")
    assert len(names) == total


def test_geopackage_is_version_1_2(client, city, tmp_path):
    answer = client.get("/grids/building/export/", {"format": "gpkg"})
    assert answer.status_code == 200
    path = tmp_path / "b.gpkg"
    path.write_bytes(b"".join(answer) if answer.streaming else answer.content)
    with sqlite3.connect(path) as db:
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        user_version = db.execute("PRAGMA user_version").fetchone()[0]
    assert application_id == 0x47504B47  # "GPKG"
    assert user_version == 10200


def test_csv_export_carries_its_crs(client, city):
    answer = client.get("/grids/building/export/", {"format": "csv", "crs": "EPSG:4547"})
    assert answer.status_code == 200
    assert "_EPSG4547.csv" in answer["Content-Disposition"]
    assert answer["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4547>"
    body = b"".join(answer) if answer.streaming else answer.content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows and {r["crs"] for r in rows} == {"EPSG:4547"}
    x = float(rows[0]["wkt"].split("((")[1].split(" ")[0])
    assert 400_000 < x < 600_000  # metres on the Gauss-Krüger zone


def test_an_export_to_a_crs_that_does_not_cover_the_data_says_so(client, city):
    inside = client.get("/grids/building/export/", {"format": "geojson", "crs": "EPSG:4547"})
    assert inside.status_code == 200 and "X-Export-Warning" not in inside
    far = client.get("/grids/building/export/", {"format": "geojson", "crs": "EPSG:3460"})  # Fiji Map Grid
    assert far.status_code == 200
    warning = far["X-Export-Warning"]
    assert "outside the area of use of EPSG:3460" in warning and "176.810, -20.810" in warning
    assert "114." in warning  # where the data are
    assert far["Warning"].startswith("299 ")


def test_a_person_exporting_outside_the_crs_area_of_use_is_told_before_the_download(client, city):
    """A browser asking for the file gets a page first: the warning with both extents, in the reader's language,
    and a link to download anyway; with that link (or without a browser's Accept) the file comes."""
    client.force_login(city["manager"])
    query = {"format": "geojson", "crs": "EPSG:3460"}
    html = {
        "HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8",
        "HTTP_REFERER": "http://testserver/grids/building/",
    }
    page = client.get("/grids/building/export/", query, **html)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "EPSG:3460" in text and "176.810, -20.810" in text and "114." in text  # both extents
    assert "lie outside the area of use" not in text  # Chinese, the site's default language
    english = client.get("/grids/building/export/", query, HTTP_ACCEPT_LANGUAGE="en", **html).content.decode()
    assert "lie outside the area of use of EPSG:3460" in english
    anyway = text.split('id="export-anyway" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "confirm=1" in anyway and 'href="http://testserver/grids/building/"' in text
    download = client.get(anyway, **html)
    assert download.status_code == 200 and download["Content-Type"] == "application/geo+json"
    assert "EPSG:3460" in download["X-Export-Warning"]
    features = json.loads(b"".join(download) if download.streaming else download.content)["features"]
    assert len(features) > 0
    inside = client.get("/grids/building/export/", {"format": "geojson", "crs": "EPSG:4547"}, **html)
    assert inside["Content-Type"] == "application/geo+json"  # inside the area: straight to the file
