"""Error pages in the site's layout and the reader's language, each with a way back (handler403/handler404 in
gridwork.urls). The 500 page is Django's own handler with templates/500.html, which needs no request and no
database."""

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def back_url(request):
    """The page the reader came from, when it is on this site and is not this page; otherwise empty."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or referer == request.build_absolute_uri():
        return ""
    ok = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return referer if ok else ""


def permission_denied(request, exception=None):
    reason = str(exception) if exception is not None else ""
    return render(request, "403.html", {"reason": reason, "back": back_url(request)}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", {"request_path": request.path, "back": back_url(request)}, status=404)
