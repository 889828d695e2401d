from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Database and PostGIS versions; 503 when the database does not answer."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT version(), postgis_lib_version(), postgis_full_version()")
            pg, postgis, postgis_full = cur.fetchone()
    except Exception as exc:  # the health check must answer whatever the failure
        return JsonResponse({"status": "error", "database": None, "error": exc.__class__.__name__}, status=503)
    return JsonResponse({"status": "ok", "database": pg, "postgis": postgis, "postgis_full": postgis_full})
