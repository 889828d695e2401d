"""The lean path of public vector tiles (layers/lean.py): the same answer as the full stack, without its work."""

from io import BytesIO

import mapbox_vector_tile
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.testing import call_wsgi
from grids.models import GridCell
from layers import tiles
from layers.lean import TileHandler, is_lean, with_lean_tiles
from layers.tests.test_tiles import tile_of, town  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def wsgi():
    """Calls the project's WSGI application the way gunicorn does (the test client would use its own handler)."""
    app = with_lean_tiles(WSGIHandler())

    def call(path, **headers):
        return call_wsgi(app, {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": BytesIO(b"")}, headers)

    return call


def test_route_of_the_lean_path_is_the_tile_route():
    path = reverse("vector-tile", kwargs={"layer": "gridcell", "z": 16, "x": 1, "y": 2})
    assert is_lean({"REQUEST_METHOD": "GET", "PATH_INFO": path})
    assert not is_lean({"REQUEST_METHOD": "POST", "PATH_INFO": path})
    assert not is_lean({"REQUEST_METHOD": "GET", "PATH_INFO": path.replace("gridcell", "no-such-layer")})
    assert not is_lean({"REQUEST_METHOD": "GET", "PATH_INFO": "/tiles/gridcell/"})


@pytest.mark.parametrize("layer", ["gridcell", "building"])
def test_lean_tile_is_the_full_stacks_tile_byte_for_byte(client, wsgi, town, layer):  # noqa: F811
    _cells, near, _far = town
    z, x, y = tile_of(*near.anchor.coords, 16)
    path = f"/tiles/{layer}/{z}/{x}/{y}.pbf"
    full = client.get(path)
    lean = wsgi(path)
    assert full.status_code == lean["status"] == 200
    assert mapbox_vector_tile.decode(lean["body"])[layer]["features"]  # a tile with features, not an empty one
    assert lean["body"] == full.content
    assert lean["headers"]["ETag"] == full["ETag"]
    assert lean["headers"]["Cache-Control"] == full["Cache-Control"]
    assert lean["headers"]["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert lean["headers"]["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs
    # skipped: sessions, locale (no Vary on Cookie or Accept-Language), CSP, cookies
    assert "Vary" not in lean["headers"] and "Set-Cookie" not in lean["headers"]
    assert "Content-Security-Policy" not in lean["headers"]
    # the ETag still answers 304
    again = wsgi(path, if_none_match=lean["headers"]["ETag"])
    assert again["status"] == 304 and again["body"] == b""


def test_lean_tile_runs_one_query_even_for_a_signed_in_client(client, wsgi, town, django_user_model):  # noqa: F811
    _cells, near, _far = town
    user = django_user_model.objects.create_user("tiles-reader", password="x")
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    z, x, y = tile_of(*near.anchor.coords, 16)
    with CaptureQueriesContext(connection) as queries:
        lean = wsgi(f"/tiles/gridcell/{z}/{x}/{y}.pbf", cookie=cookie)
    assert lean["status"] == 200
    assert len(queries) == 1 and "ST_AsMVT" in queries[0]["sql"]  # no session, user or audit reads


def test_tile_of_a_layer_that_is_not_public_needs_a_session(client, wsgi, town, django_user_model):  # noqa: F811
    _cells, near, _far = town
    layer = tiles.register_tile_layer(
        tiles.TileLayer("staffcell", GridCell.objects.all, "boundary", ["code"], public=False)
    )
    try:
        z, x, y = tile_of(*near.anchor.coords, 16)
        path = f"/tiles/staffcell/{z}/{x}/{y}.pbf"
        assert not is_lean({"REQUEST_METHOD": "GET", "PATH_INFO": path})
        assert wsgi(path)["status"] == 404  # the full stack, nobody signed in
        assert client.get(path).status_code == 404
        client.force_login(django_user_model.objects.create_user("staff-tiles", password="x"))
        response = client.get(path)
        assert response.status_code == 200 and response["Cache-Control"].startswith("private")
        assert {f["properties"]["code"] for f in mapbox_vector_tile.decode(response.content)["staffcell"]["features"]}
    finally:
        tiles._TILE_LAYERS.pop(layer.name, None)


def test_tile_handler_keeps_the_replica_middleware():
    handler = TileHandler()
    assert [m.__self__.__class__.__name__ for m in handler._view_middleware] == ["ReplicaMiddleware"]
    assert [m.__self__.__class__.__name__ for m in handler._exception_middleware] == ["ReplicaMiddleware"]
