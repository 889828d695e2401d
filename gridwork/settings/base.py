"""Settings shared by every environment; everything that differs is read from the environment."""

import math
import os
from fractions import Fraction
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .media import default_storage as media_storage
from .media import endpoint_origin as media_origin

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-local-development-key-change-me-0123456789abcdef")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.forms",
    "leaflet",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "common",
    "grids",
    "layers",
    "fixtures",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "assets",
    "responsibility",
    "cases",
    "planning",
    "cogov",
    "cocreate",
    "ogc",
    "field",
    "inspections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.second_factor.SecondFactorMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",
    "common.params.ParamErrorMiddleware",
    # Last: where the view's reads go (gridwork/replica.py); inert without DATABASE_REPLICA_URL.
    "gridwork.replica.ReplicaMiddleware",
]

ROOT_URLCONF = "gridwork.urls"
WSGI_APPLICATION = "gridwork.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridwork.navigation.links",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default="postgis://gridwork@127.0.0.1:5432/gridwork",
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
    )
}
# PostgreSQL's JIT compiles a query whose estimated cost is high: the correlated spatial subqueries of the
# dashboard and the service areas are estimated far above what they run, and compiling them took 0.75 s for a
# 15 ms query. The app's queries are short; JIT stays off for its connections (DATABASE_JIT=on to change that).
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["options"] = (
    DATABASES["default"]["OPTIONS"].get("options", "") + f" -c jit={env('DATABASE_JIT', 'off')}"
).strip()
# Prepared statements: only the statements a hot path asks for (common.db.prepared_cursor: the case intake's lookups
# and inserts, the responsibility lookup) are prepared, once per connection; Django's own queries never are (psycopg
# would prepare any statement run this many times; Django's default, None, turns preparing off altogether).
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 2**31 - 1
# Read replica: with DATABASE_REPLICA_URL (./dev replica prints one), GET requests of the views named in
# REPLICA["VIEWS"] read from that streaming standby, everything else (and a client's reads for PIN_S seconds after
# it wrote) from the primary; a standby that is down or lags more than MAX_LAG_S is passed over within the same
# request (gridwork/replica.py, README "Several machines"). Without DATABASE_REPLICA_URL nothing changes.
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **dj_database_url.parse(
            env("DATABASE_REPLICA_URL"),
            engine="django.contrib.gis.db.backends.postgis",
            conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        ),
        "TEST": {"MIRROR": "default"},
    }
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        "connect_timeout": int(env("GRIDWORK_REPLICA_CONNECT_TIMEOUT_S", "2")),
    }
DATABASE_ROUTERS = ["gridwork.replica.ReplicaRouter"]
_REPLICA_MAX_LAG_S = float(env("GRIDWORK_REPLICA_MAX_LAG_S", "10"))
_REPLICA_CHECK_S = float(env("GRIDWORK_REPLICA_CHECK_S", "1"))
REPLICA = {
    "MAX_LAG_S": _REPLICA_MAX_LAG_S,
    # Longer than the lag allowed plus the age of a lag probe: a client that wrote reads its write wherever its next
    # reads go.
    "PIN_S": int(env("GRIDWORK_REPLICA_PIN_S", str(math.ceil(_REPLICA_MAX_LAG_S + _REPLICA_CHECK_S) + 1))),
    "CHECK_S": _REPLICA_CHECK_S,
    "RETRY_S": float(env("GRIDWORK_REPLICA_RETRY_S", "5")),
    # URL names (shell patterns) of the read-only work: public facility map and its API, vector and raster tiles,
    # Open311 reads, OGC API reads, dashboard figures and exports. Only their GET and HEAD requests.
    "VIEWS": [
        "assets:map",
        "api:asset-*",
        "api:assettype-*",
        "api:assetfamily-*",
        "api:service-area-*",
        "api:adoption-coverage-*",
        "vector-tile",
        "layers:raster-tile",
        "open311-services",
        "open311-requests",
        "open311-request",
        "ogc:*",
        "cogov:dashboard",
        "cogov:dashboard-export",
        "cases:stats",
        "responsibility:coverage-export",
        "accounts:audit-export",
    ],
    # Always read on the primary: sessions, accounts and roles, lockouts, second factors.
    "PRIMARY_APPS": ["sessions", "auth", "accounts", "axes", "otp_totp", "otp_static"],
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Permissions come from roles held with an area (accounts.backends): an account in a role group without a
# membership, or given permissions directly, holds nothing (fail closed).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.PolicyBackend"]
# Lockout after repeated failures (per username), sessions that expire.
AXES_FAILURE_LIMIT = int(env("GRIDWORK_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = float(env("GRIDWORK_LOCKOUT_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
SESSION_COOKIE_AGE = int(env("DJANGO_SESSION_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Simplified Chinese by default, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["gridwork.formats"]  # amounts grouped by thousands in Chinese too (2,376,000 元)
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / ".local" / "static")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/geoman", BASE_DIR / "node_modules" / "@geoman-io" / "leaflet-geoman-free" / "dist"),
    ("vendor/markercluster", BASE_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/vectorgrid", BASE_DIR / "node_modules" / "leaflet.vectorgrid" / "dist"),
    # The field workspace: its service worker (Workbox) and its offline queue (idb).
    *[
        (f"vendor/{name}", BASE_DIR / "node_modules" / name / "build")
        for name in ("workbox-sw", "workbox-core", "workbox-routing", "workbox-strategies", "workbox-expiration")
    ],
    ("vendor/idb", BASE_DIR / "node_modules" / "idb" / "build"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".local" / "media")))
# A folder (MEDIA_ROOT) unless GRIDWORK_MEDIA_URL names an S3-compatible store (gridwork/settings/media.py).
MEDIA_STORAGE_URL = env("GRIDWORK_MEDIA_URL", "")
STORAGES = {
    "default": media_storage(MEDIA_STORAGE_URL),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Spatial conventions: storage in EPSG:4326; metres are computed on the UTM zone of the data.
GRIDWORK = {
    # Tolerance for the tiling rules of grid cells (overlaps, gaps, outside the community), in m².
    "TILING_TOLERANCE_M2": float(env("GRIDWORK_TILING_TOLERANCE_M2", "1.0")),
    # Households per cell targeted by the split tool's household mode.
    "SPLIT_MAX_HOUSEHOLDS": int(env("GRIDWORK_SPLIT_MAX_HOUSEHOLDS", "300")),
    # Upper bound for vertices of one geometry (drawn, sent or imported); real city boundaries have up to ~500,000.
    "MAX_VERTICES": int(env("GRIDWORK_MAX_VERTICES", "1000000")),
    # Largest photo accepted (width × height, read from the file's header before decoding); Pillow's
    # decompression-bomb limit is set from it at start-up.
    "MAX_PHOTO_PIXELS": int(env("GRIDWORK_MAX_PHOTO_PIXELS", "40000000")),
}

# Assets and adoption: photo size limit; days without a maintenance log after which an adoption is lapsed.
ASSETS = {
    "MAX_PHOTO_BYTES": int(float(env("GRIDWORK_MAX_PHOTO_MB", "5")) * 1_048_576),
    "ADOPTION_LAPSE_DAYS": int(env("GRIDWORK_ADOPTION_LAPSE_DAYS", "30")),
}

# Cases: photos per report or step, their size limit (MB) and longest side after re-encoding.
CASES = {
    "MAX_PHOTOS": 6,
    "MAX_PHOTO_BYTES": int(float(env("GRIDWORK_CASE_PHOTO_MB", "8")) * 1_048_576),
    "PHOTO_MAX_SIDE": int(env("GRIDWORK_CASE_PHOTO_SIDE", "1600")),
}

_tiles = env("GRIDWORK_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (30.525, 114.33),
    "DEFAULT_ZOOM": 13,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 19,
    "TILES": []
    if _tiles in ("", "none")
    else [(_("Base map"), _tiles, {"attribution": env("GRIDWORK_TILES_ATTRIBUTION", "&copy; OpenStreetMap")})],
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.api.GeoPagination",
    # JSON first; GeoJSON lists answer application/geo+json (common.api.GeoPagination), and a client may ask for it.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "common.renderers.GeoJSONRenderer",
    ],
    # An unknown ?format= is a 400 that names the formats on offer.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "common.renderers.ContentNegotiation",
    "PAGE_SIZE": 100,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # Bad query parameters are 400s naming the parameter; refused deletes are 409s naming what refers.
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Personal access tokens (Authorization: Bearer, made from a session that passed the second factor where
        # the role needs one; accounts/tokens.py), then sessions. No HTTP Basic: it would skip the second factor.
        "accounts.tokens.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gridwork API",
    "DESCRIPTION": "Grid management: divisions, grid cells, buildings and households (GeoJSON, EPSG:4326).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Layers: imports, exports, tiles and imagery; jobs run on a Celery worker with Redis as broker.
# An empty GRIDWORK_REDIS_URL counts as unset (not Celery's own default, AMQP on localhost).
CELERY_BROKER_URL = env("GRIDWORK_REDIS_URL") or "redis://127.0.0.1:6379/0"
# A request that sends a task never waits long on a broker that is down: a host that does not answer is given up
# after 2 s, a broker that accepted the connection and went silent after 5 s (without these each waits for ever),
# and a connection refused is tried once (not again and again for 6 s). The sender logs and goes on: the photo
# sweep takes pending photos up, the map tile keeps the direct grouping, the dashboard computes from the records.
# A publish with retry (beat's, `.delay()`) still follows CELERY_TASK_PUBLISH_RETRY_POLICY (3 more tries); the
# worker reconnects by its own broker_connection_retry settings.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 0}
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic jobs (one `celery beat`: compose's `beat`, `./dev`'s worker with --beat): the coming months' partitions of
# the case steps (cases/partitions.py); the kept dashboard summaries every 30 s, so that steady intake (reports
# coming in all day) never leaves a backlog larger than a dashboard view brings up to date itself.
CELERY_BEAT_SCHEDULE = {
    "case-event-partitions": {"task": "cases.ensure_event_partitions", "schedule": 6 * 3600},
    "dashboard-summaries": {"task": "cogov.refresh_summaries", "schedule": 30},
    # Case photos still pending 5 minutes after their report (their message lost): re-encoded (cases/photos.py).
    "case-photos-pending": {"task": "cases.process_pending_photos", "schedule": 300},
    # The public map's kept clusters moved to the new day ("adopted" as of today) a minute after local midnight
    # (assets/map_clusters.py); until then cluster tiles are grouped from the facilities.
    "asset-map-day": {"task": "assets.roll_map_clusters", "schedule": crontab(hour=0, minute=1)},
}
# Crontab entries are in local time (Celery's default is UTC).
CELERY_TIMEZONE = TIME_ZONE
LAYERS = {
    "MAX_UPLOAD_MB": int(env("GRIDWORK_MAX_UPLOAD_MB", "200")),
    "MAX_UNZIPPED_MB": int(env("GRIDWORK_MAX_UNZIPPED_MB", "1000")),
    "MAX_FEATURES": int(env("GRIDWORK_MAX_IMPORT_FEATURES", "200000")),
    "MAX_TOTAL_VERTICES": int(env("GRIDWORK_MAX_IMPORT_VERTICES", "5000000")),
    "MAX_JSON_DEPTH": 20,
    # Green coverage: a pixel is green when its NDVI is above this value.
    "NDVI_THRESHOLD": float(env("GRIDWORK_NDVI_THRESHOLD", "0.3")),
}

# Bad personal access tokens accepted per client address before it is answered 429 (django-ratelimit's format).
TOKEN_FAILURE_RATE = env("GRIDWORK_TOKEN_FAILURE_RATE", "20/m")

# OGC API Features (/ogc/): the CRSs offered besides CRS84 and EPSG:4326, by EPSG code: CGCS2000 and the city's
# 3-degree Gauss-Krüger zone (4547: CM 114°E, the demo city's).
OGC_SRIDS = [int(code) for code in env("GRIDWORK_OGC_CRS", "4490,4547").split(",") if code.strip()]

# Renovation planning: eligibility thresholds (built before, storeys, consent share, fee collection).
PLANNING = {
    "BUILT_BEFORE": int(env("GRIDWORK_RENOVATION_BUILT_BEFORE", "2000")),
    "BUILT_BEFORE_SHARE": float(env("GRIDWORK_RENOVATION_BUILT_BEFORE_SHARE", "0.5")),
    "MIN_STOREYS": int(env("GRIDWORK_RENOVATION_MIN_STOREYS", "2")),
    "CONSENT_SHARE": Fraction(env("GRIDWORK_RENOVATION_CONSENT_SHARE", "2/3")),
    "FEE_COLLECTION_PCT": float(env("GRIDWORK_RENOVATION_FEE_COLLECTION_PCT", "50")),
}

# Audit trail (django-auditlog) of every domain app; personal fields are masked in it.
AUDITED_APPS = ["grids", "responsibility", "assets", "cases", "planning", "cogov", "accounts", "inspections"]
# Models audited one by one where their app also holds private records (mediations stay out of the trail): the
# co-creation records behind public figures (the red/black board, contributions, decisions).
AUDITED_MODELS = [
    "cocreate.Campaign",
    "cocreate.SpotCheck",
    "cocreate.SpotCheckItem",
    "cocreate.Contribution",
    "cocreate.Decision",
    "cocreate.Task",
]
# Models of the audited apps left out of the trail by label; a model may also leave itself out (AUDITED = False, as
# every table of photos' raw bytes does: cases.models.PhotoBytes).
AUDIT_EXCLUDE = []
AUDITLOG_MASK_CALLABLE = "common.masking.mask_any"
AUDITLOG_STORE_JSON_CHANGES = True

# Form widgets are rendered with the site's templates, so templates/leaflet/ overrides django-leaflet's map widget.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Content-Security-Policy: scripts, styles and images from this site only (map tiles from the tile host).
# No inline script: pages hand data to their scripts through json_script, event handlers are attached by the
# static scripts, and django-leaflet's maps and form widgets start from static/js/leaflet-maps.js (its templates
# are overridden in templates/leaflet/). Leaflet positions map parts with inline styles, so styles keep them.
_tile_host = "" if _tiles in ("", "none") else "/".join(_tiles.split("/")[:3])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"]
        + ([_tile_host.replace("{s}.", "*.")] if _tile_host else [])
        + ([media_origin(MEDIA_STORAGE_URL)] if media_origin(MEDIA_STORAGE_URL) else []),
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Cache (rate limits, lockouts) shared by all processes when Redis is configured.
# The shared cache may be down for a while without failing a request (common/cache.py): a call it does not answer
# within a second or two is a miss, and a rate limit whose count cannot be kept lets the request through.
CACHES = {
    "default": (
        {
            "BACKEND": "common.cache.TolerantRedisCache",
            "LOCATION": env("GRIDWORK_CACHE_URL"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
        if env("GRIDWORK_CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
RATELIMIT_FAIL_OPEN = True
# The managers' dashboard keeps each unit's computed figures this many seconds (0: computed on every view);
# a district of a million households takes seconds to add up, its figures move slowly.
DASHBOARD_CACHE_SECONDS = int(env("GRIDWORK_DASHBOARD_CACHE_SECONDS", "300"))
# Co-creation: the residents' satisfaction a renovation project needs before final acceptance (%).
COCREATE = {"PROJECT_SATISFACTION_GATE_PCT": int(env("GRIDWORK_SATISFACTION_GATE_PCT", "80"))}
RATELIMIT_VIEW = "common.views.rate_limited"
# Behind a reverse proxy: the proxies whose X-Forwarded-For is believed (common/client_ip.py); rate limits and
# lockouts count per client address, not per proxy.
TRUSTED_PROXIES = env_list("GRIDWORK_TRUSTED_PROXIES", "")
RATELIMIT_IP_META_KEY = "common.client_ip.client_ip"
AXES_CLIENT_IP_CALLABLE = "common.client_ip.client_ip"
PUBLIC_WRITE_RATE = env("GRIDWORK_PUBLIC_WRITE_RATE", "20/h")
# Open311 requests one partner system (one api_key) may post, django-ratelimit's format; answered 429 over it. Empty:
# no limit.
OPEN311_CLIENT_RATE = env("GRIDWORK_OPEN311_CLIENT_RATE", "600/m")

# Debian 12 ships GDAL 3.6; spatial references come from the project's own code and data, not from users.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
