"""The lean request path of Open311 intake: `POST /open311/v2/requests.(json|xml)`.

A partner system posts with its api_key and never with a browser session, so the middlewares that serve a
signed-in browser are left out: static files, the session, CSRF (the view is exempt), the user and its second
factor, messages and the login lockout. Everything else runs as on every other route, in the same order: the
security headers (SecurityMiddleware, the Content-Security-Policy, X-Frame-Options), the answer's language
(LocaleMiddleware: the errors in the client's Accept-Language), CommonMiddleware, the audit trail's context
(AuditlogMiddleware: the correlation id, the client's address and port), the rate limits' answer, the refusal of
control characters, and where reads and writes go (ReplicaMiddleware). A middleware added to settings.MIDDLEWARE
later runs here too unless it is named below.

What a client sees is the full stack's answer; only a session cookie sent along is not read (the audit entries
of the case name no user: an Open311 request is made by the partner the api_key names, recorded as the case's
source).
"""

import re

from django.contrib.auth.models import AnonymousUser

from gridwork.lean import LeanHandler

# Browser-session middlewares an Open311 POST does not need.
SESSION_ONLY = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "accounts.second_factor.SecondFactorMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "axes.middleware.AxesMiddleware",
    }
)

# The route of cases/open311.py's requests view under "open311/v2/" (gridwork/urls.py); tests check both agree.
INTAKE_PATH = re.compile(r"/open311/v2/requests\.(?:json|xml)")  # whole path only: fullmatch ($ took a "\n")


def is_intake(environ):
    """True for an Open311 POST of a new request."""
    return environ.get("REQUEST_METHOD") == "POST" and INTAKE_PATH.fullmatch(environ.get("PATH_INFO", "")) is not None


class IntakeHandler(LeanHandler):
    def __init__(self):
        super().__init__(lambda path: path not in SESSION_ONLY)

    def get_response(self, request):
        # No session is read: a page rendered on this path (the 400 page of a control character in the query, an
        # error page) shows nobody signed in.
        request.user = AnonymousUser()
        return super().get_response(request)
