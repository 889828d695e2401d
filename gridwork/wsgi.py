import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridwork.settings.prod")
application = get_wsgi_application()

# Public vector tiles skip the middlewares they do not need (layers/lean.py); the rest is the project as usual.
from layers.lean import with_lean_tiles  # noqa: E402

application = with_lean_tiles(application)
