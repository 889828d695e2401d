import os

from .base import *  # noqa: F401,F403
from .base import DATABASES, LEAFLET_CONFIG, env

# A test database name of one's own lets several suites share the local cluster at once.
DATABASES["default"]["TEST"] = {"NAME": env("GRIDWORK_TEST_DB", "test_gridwork")}

# Tests never reach the network: no base-map tiles.
LEAFLET_CONFIG = {**LEAFLET_CONFIG, "TILES": []}
# Rate limits are tested where they are the subject (override_settings); elsewhere tests post freely.
PUBLIC_WRITE_RATE = "100000/h"
# Each test sees the figures of its own data: the dashboard cache is tested where it is the subject.
DASHBOARD_CACHE_SECONDS = 0
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
