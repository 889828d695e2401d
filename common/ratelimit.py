"""Rate limits on public write endpoints (report forms, comments), per client address.

The rate comes from settings.PUBLIC_WRITE_RATE (e.g. "20/h") at request time; requests over it get a 429
(settings.RATELIMIT_VIEW through django-ratelimit's middleware). The counters live in the default cache,
which production shares between processes (GRIDWORK_CACHE_URL, Redis).
"""

from django.conf import settings
from django_ratelimit.decorators import ratelimit


def _rate(group, request):
    return settings.PUBLIC_WRITE_RATE


public_write = ratelimit(key="ip", rate=_rate, method="POST", block=True)
