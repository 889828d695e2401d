"""Personal access tokens: `Authorization: Bearer <token>` for QGIS, GDAL and scripts on /api/ and /ogc/.

- A token is made on the account's token page by its signed-in user; users whose role calls for a second factor
  make one only from a session verified by it (`accounts.second_factor.may_make_tokens`). It is shown once; the
  database keeps its SHA-256 digest, a public prefix, a name, the scope (read only or read and write), an
  optional expiry, the revocation time and the last use.
- The authentication class answers 401 for an unknown, revoked or expired token, or for a token made without the
  second factor by a user who needs one today; 403 for a write with a read-only token; 429 once an address has
  sent too many bad tokens (settings.TOKEN_FAILURE_RATE, counted in the cache like the other rate limits).
- A token acts for its user: the same access policy, area by area. CSRF is not asked for (no cookie is involved).
- Each use is logged (logger "gridwork.tokens": the token's prefix, never the token) and writes are attributed
  to the user in the audit trail.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from accounts.models import AccessToken
from common.client_ip import client_ip

log = logging.getLogger("gridwork.tokens")
KEYWORD = "Bearer"
PREFIX = "gw_"
FAILURE_GROUP = "accounts.bearer-failures"


def digest(raw):
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def make_token(user, name, scope, expires_at=None, *, verified):
    """A new token for `user`: (the saved AccessToken, the token text to show once)."""
    prefix = secrets.token_hex(4)
    raw = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = AccessToken.objects.create(
        user=user, name=name, scope=scope, expires_at=expires_at, prefix=prefix, digest=digest(raw), verified=verified
    )
    return token, raw


def _failure_usage(request, increment):
    return get_usage(
        request, group=FAILURE_GROUP, key=_failure_key, rate=settings.TOKEN_FAILURE_RATE, increment=increment
    )


def _failure_key(group, request):
    # The client's address, told apart behind a trusted proxy (common/client_ip.py), so that one client sending bad
    # tokens does not lock out everyone behind the same proxy.
    return _client_ip(request)


def _client_ip(request):
    return client_ip(request)


# Where a token is taken: the data API and OGC API Features (what GIS clients and scripts use). The pages' own
# endpoints (the field workspace, inspections, co-creation) answer sessions only.
TOKEN_PATHS = ("/api/", "/ogc/")


def _on_token_paths(request):
    return request._request.path_info.startswith(TOKEN_PATHS)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """DRF authentication by personal access token. Listed first in REST_FRAMEWORK's classes; it answers only
    requests that carry a Bearer header, so sessions (with their CSRF check) go on as before."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if not _on_token_paths(request):
            return None
        django_request = request._request
        token = None
        if len(header) == 2:
            try:
                raw = header[1].decode("ascii")
            except UnicodeDecodeError:
                raw = ""
            if raw.startswith(PREFIX) and len(raw) < 200:
                token = AccessToken.objects.select_related("user").filter(digest=digest(raw)).first()
        reason = self.refusal(token)
        if reason:
            # Only bad tokens are counted and slowed down: a valid token always passes (a token is 256 random bits,
            # so a guesser gains nothing from the valid ones going through), and a flood of junk from one client
            # cannot lock out the others.
            usage = _failure_usage(django_request, increment=True)
            if usage and usage["count"] > usage["limit"]:
                raise exceptions.Throttled(detail=_("Too many bad tokens from this address; try again later."))
            log.warning(
                "bearer token refused (%s): %s %s from %s",
                token.prefix if token else "unknown",
                request.method,
                django_request.path,
                _client_ip(django_request),
            )
            raise exceptions.AuthenticationFailed(reason)
        user = token.user
        if request.method not in SAFE_METHODS and token.scope != AccessToken.Scope.WRITE:
            raise exceptions.PermissionDenied(_("This token is read-only: make a read-and-write token to edit."))
        self.record_use(token, django_request)
        # The second factor was passed when the token was made (refusal() checks it is still enough).
        user.is_verified = lambda: True
        attribute_writes_to(user)
        return user, token

    def refusal(self, token):
        from accounts.second_factor import requires_second_factor

        if token is None:
            return _("Invalid token.")
        if token.revoked_at is not None:
            return _("This token has been revoked.")
        if token.expires_at is not None and token.expires_at <= timezone.now():
            return _("This token has expired.")
        if not token.user.is_active:
            return _("Invalid token.")
        if not token.verified and requires_second_factor(token.user):
            return _("Your role needs a second factor: make a new token while signed in with your code.")
        return None

    def record_use(self, token, request):
        now = timezone.now()
        log.info(
            "bearer token %s of user %s: %s %s from %s",
            token.prefix,
            token.user_id,
            request.method,
            request.path,
            _client_ip(request),
        )
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)

    def authenticate_header(self, request):
        # 401 with a challenge for requests that sent a token; the others keep the sessions' 403.
        header = authentication.get_authorization_header(request).split()
        if header and header[0].lower() == KEYWORD.lower().encode():
            return f'{KEYWORD} realm="gridwork"'
        return None


def attribute_writes_to(user):
    """Name the token's user as the actor of the audit trail's entries for this request (the audit middleware
    ran before DRF authenticated the request, when only the session's user was known)."""
    from auditlog.context import auditlog_value

    data = auditlog_value.get(None)
    if data is not None:
        # Always the token's user: a request carrying a session cookie as well acts as the token's user (DRF), so
        # its writes are that user's, whoever the session belongs to.
        data["actor"] = user


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI description (drf-spectacular finds it by the class it documents)."""

    target_class = BearerTokenAuthentication
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from /accounts/tokens/ (read only or read and write).",
        }
