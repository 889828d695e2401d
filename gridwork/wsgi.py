import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridwork.settings.prod")
application = get_wsgi_application()

# Public vector tiles and Open311 intake skip the middlewares they do not need (gridwork/lean.py, layers/lean.py,
# cases/lean.py); the rest is the project as usual.
from cases.lean import IntakeHandler, is_intake  # noqa: E402
from gridwork.lean import with_lean_paths  # noqa: E402
from layers.lean import TileHandler, is_lean  # noqa: E402

application = with_lean_paths(application, (is_lean, TileHandler()), (is_intake, IntakeHandler()))
