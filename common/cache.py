"""The shared cache (Redis, GRIDWORK_CACHE_URL) as something the app can do without for a while.

The cache holds what can be computed again (dashboard figures, the inbox badge, public tiles), the counters of the
rate limits and a few "at most once" marks. Django's RedisCache raises on every call while Redis is down or silent,
so one stopped container turned every staff page (the inbox badge), every tile and every rate-limited form into a
500. `TolerantRedisCache` answers such a call as a cache that holds nothing would: a read misses, a write is not
kept, an `incr` finds no key (ValueError, as Django's other caches say it); the failure is logged, at most once a
minute per process. With settings.RATELIMIT_FAIL_OPEN, a rate limit whose count cannot be kept lets the request
through. Errors that are not the connection's (a value that cannot be pickled) still raise.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger("gridwork.cache")
WARN_EVERY_S = 60


class TolerantRedisCache(RedisCache):
    _last_warning = 0.0

    def _failed(self, operation, exc):
        now = time.monotonic()
        if now - TolerantRedisCache._last_warning >= WARN_EVERY_S:
            TolerantRedisCache._last_warning = now
            log.warning("shared cache unavailable (%s on %s): answering without it", type(exc).__name__, operation)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            self._failed("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            self._failed("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as exc:
            self._failed("has_key", exc)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            self._failed("add", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            self._failed("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            self._failed("set_many", exc)
            return list(data)  # the keys that were not kept

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as exc:
            self._failed("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            self._failed("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except RedisError as exc:
            self._failed("delete_many", exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            self._failed("incr", exc)
            raise ValueError(f"Key '{key}' not found: the shared cache is unavailable") from exc

    def clear(self):
        try:
            return super().clear()
        except RedisError as exc:
            self._failed("clear", exc)
            return False
