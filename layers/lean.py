"""A lean request path for public vector tiles, served by the same gunicorn as the rest of the project.

A public tile needs no session, user, messages, language, CSP nonce, CSRF, second factor, audit context or rate
limit: gridwork/wsgi.py hands `GET|HEAD /tiles/<public layer>/{z}/{x}/{y}.pbf` to `TileHandler`, a Django handler
with the same URLconf and view (`layers.tiles.tile`, so the same bytes and ETag) and only two middlewares:
SecurityMiddleware (its headers) and gridwork.replica.ReplicaMiddleware (the tile reads go to the standby as
before, with its fallback to the primary). Everything else, including tiles of layers that are not public (staff
tiles need the session), goes through the full stack.
"""

import re

from gridwork.lean import LeanHandler, with_lean_paths
from layers.tiles import tile_layers

# The route of layers/tile_urls.py under "tiles/" (gridwork/urls.py); tests check both agree.
TILE_PATH = re.compile(r"^/tiles/(?P<layer>[-a-zA-Z0-9_]+)/\d+/\d+/\d+\.pbf$")


def is_lean(environ):
    """True for a GET or HEAD of a public layer's tile."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    m = TILE_PATH.match(environ.get("PATH_INFO", ""))
    if m is None:
        return False
    layer = tile_layers().get(m["layer"])
    return layer is not None and layer.public


TILE_MIDDLEWARE = ("django.middleware.security.SecurityMiddleware", "gridwork.replica.ReplicaMiddleware")


class TileHandler(LeanHandler):
    """Django's WSGI handler with the middlewares a public tile needs, in the order settings.MIDDLEWARE has them."""

    def __init__(self):
        super().__init__(TILE_MIDDLEWARE.__contains__)


def with_lean_tiles(application):
    """The WSGI application that answers public tiles through TileHandler and everything else through
    `application`."""
    return with_lean_paths(application, (is_lean, TileHandler()))
