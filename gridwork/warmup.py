"""What a fresh gunicorn worker would otherwise do on its first request, done before it takes one.

Django builds much of itself lazily: the URLconf (and with it every view module) is imported on the first request
that resolves a URL, a template is compiled the first time it renders, the translation catalogues are read when a
language is first activated, and the database connection (with PostGIS's version and type lookups) is opened by
the first query. On a fresh worker that first request paid seconds for it (a dashboard page: 3.1 s against 0.48 s
on a worker that had served before, at load 1.5).

gunicorn.conf.py loads the application once in the master (`preload_app`) and calls `warm()` there before the
workers are forked, so every worker starts with the imports, the URL resolvers, the compiled templates and the
catalogues in memory (shared with the master until written); `connect()` runs in each worker after the fork and
opens its own database connection. The master holds no connection when it forks (`warm()` opens none and closes
any it finds).
"""

import logging
from pathlib import Path

log = logging.getLogger(__name__)
SUFFIXES = {".html", ".txt", ".xml"}


def _templates():
    """The names of the project's templates (the template directories and the installed apps' templates/)."""
    from django.apps import apps
    from django.conf import settings

    roots = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    roots += [
        Path(app.path) / "templates"
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(settings.BASE_DIR)
    ]
    names = set()
    for root in roots:
        if root.is_dir():
            names.update(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    return sorted(names)


def warm():
    """Import the URLconf and the views, fill the URL resolvers of every language, compile the templates and read the
    translation catalogues, in this process. Returns {"templates": compiled, "languages": [...]}."""
    from django.conf import settings
    from django.db import connections
    from django.template import TemplateSyntaxError, loader
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports the URLconf and every view module it names)
    languages = [code for code, _name in settings.LANGUAGES]
    compiled = 0
    for name in _templates():
        try:
            loader.get_template(name)
            compiled += 1
        except (TemplateSyntaxError, LookupError, ImportError) as e:  # a fragment that only compiles in context
            log.debug("template %s not compiled ahead: %s", name, e)
    for code in languages:
        with translation.override(code):
            translation.gettext("Dashboard")  # reads the catalogues of this language
            _fill(resolver)
    modules = _import_modules()
    connections.close_all()  # nothing opened here may be shared by the forked workers
    return {"templates": compiled, "languages": languages, "modules": modules}


def _fill(resolver):
    """The reverse dictionaries for the active language (kept per language, filled by the first reverse() that
    reaches them): the root resolver's, and those of the resolvers reverse() builds for each namespace
    (get_ns_resolver, cached per namespace), filled by reversing a name that is not there."""
    from django.urls import NoReverseMatch, reverse

    resolver.reverse_dict  # noqa: B018
    for path in _namespaces(resolver):
        try:
            reverse(f"{path}:-")
        except NoReverseMatch:
            pass


def _namespaces(resolver, prefix=""):
    for name, (_pattern, sub) in resolver.namespace_dict.items():
        path = f"{prefix}{name}"
        yield path
        yield from _namespaces(sub, f"{path}:")


def _import_modules():
    """Import the top-level modules of the project's apps that views import inside functions (summaries, tasks,
    exports …); a module that fails to import is left to fail where it is used, as before."""
    import importlib

    from django.apps import apps
    from django.conf import settings

    done = 0
    for app in apps.get_app_configs():
        root = Path(app.path)
        if not root.is_relative_to(settings.BASE_DIR) or "site-packages" in root.parts:
            continue  # the project's own apps only
        for path in sorted(root.glob("*.py")):
            if path.stem.startswith(("test", "conftest", "_")):
                continue
            try:
                importlib.import_module(f"{app.name}.{path.stem}")
                done += 1
            except Exception as e:  # noqa: BLE001
                log.debug("module %s.%s not imported ahead: %s", app.name, path.stem, e)
    return done


# What a new database session of PostGIS loads on its first use, run once when the worker connects: the PROJ context
# and the Web Mercator transformation (every vector tile; ~25 ms on the first call of a session) and the geography
# functions (distances in metres; ~12 ms).
WARM_SQL = (
    "SELECT ST_Transform(ST_SetSRID(ST_MakePoint(114.3, 30.5), 4326), 3857),"
    " ST_DWithin(ST_MakePoint(114.3, 30.5)::geography, ST_MakePoint(114.3, 30.5001)::geography, 50)"
)


def connect():
    """Open this process's database connection (and ask the server once, which also reads PostGIS's version), and
    have its server session load what PostGIS loads on first use (WARM_SQL)."""
    from django.db import connection

    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute(WARM_SQL)
    connection.ops.spatial_version  # noqa: B018 (GeoDjango asks PostGIS for its version on first use)
