from django.db import connection
from django.http import JsonResponse

from gridwork import replica


def healthz(request):
    """Database and PostGIS versions; 503 when the database does not answer."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT version(), postgis_lib_version(), postgis_full_version()")
            pg, postgis, postgis_full = cur.fetchone()
    except Exception as exc:  # the health check must answer whatever the failure
        return JsonResponse({"status": "error", "database": None, "error": exc.__class__.__name__}, status=503)
    data = {"status": "ok", "database": pg, "postgis": postgis, "postgis_full": postgis_full}
    # With a read replica: whether reads go there, its state and lag (a standby that is down does not make the
    # app unhealthy: reads go to the primary meanwhile).
    data.update(replica.health_report())
    return JsonResponse(data)


def rate_limited(request, exception):
    """Answer for requests over a rate limit (django-ratelimit)."""
    from django.utils.translation import gettext as _

    return JsonResponse({"detail": _("Too many requests; please wait a while and try again.")}, status=429)
