"""The shared cache (Redis, GRIDWORK_CACHE_URL) as something the app can do without for a while.

The cache holds what can be computed again (dashboard figures, the inbox badge, public tiles), the counters of the
rate limits and a few "at most once" marks. Django's RedisCache raises on every call while Redis is down or silent,
so one stopped container turned every staff page (the inbox badge), every tile and every rate-limited form into a
500. `TolerantRedisCache` answers such a call as a cache that holds nothing would: a read misses, a write is not
kept, an `incr` finds no key (ValueError, as Django's other caches say it); the failure is logged, at most once a
minute per process. With settings.RATELIMIT_FAIL_OPEN, a rate limit whose count cannot be kept lets the request
through. Errors that are not the connection's (a value that cannot be pickled) still raise.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger("gridwork.cache")
WARN_EVERY_S = 60


def _tolerant(name, fallback):
    """RedisCache's method `name`, answering fallback(*its arguments) when Redis fails."""
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as exc:
            self._failed(name, exc)
            return fallback(*args, **kwargs)

    return call


def _no_key(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found: the shared cache is unavailable")


def _nothing(*args, **kwargs):
    return None


def _no(*args, **kwargs):
    return False


class TolerantRedisCache(RedisCache):
    _last_warning = 0.0

    def _failed(self, operation, exc):
        now = time.monotonic()
        if now - TolerantRedisCache._last_warning >= WARN_EVERY_S:
            TolerantRedisCache._last_warning = now
            log.warning("shared cache unavailable (%s on %s): answering without it", type(exc).__name__, operation)

    # As a cache that holds nothing: a read misses, a write is not kept, incr finds no key.
    get = _tolerant("get", lambda key, default=None, version=None: default)
    get_many = _tolerant("get_many", lambda *args, **kwargs: {})
    has_key = _tolerant("has_key", _no)
    add = _tolerant("add", _no)
    set = _tolerant("set", _nothing)
    set_many = _tolerant("set_many", lambda data, *args, **kwargs: list(data))  # the keys that were not kept
    touch = _tolerant("touch", _no)
    delete = _tolerant("delete", _no)
    delete_many = _tolerant("delete_many", _nothing)
    incr = _tolerant("incr", _no_key)
    clear = _tolerant("clear", _no)
