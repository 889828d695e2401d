"""The second factor on every door: pages, the API and the admin.

A user who has confirmed an authenticator is let through only with a session verified by a code (the login page
asks for it; `django_otp.login` marks the session). Any other session of theirs — made by another login path,
or from before they enrolled — is signed out and sent to the login page (pages) or refused with 403 (API). HTTP
Basic is not accepted at all (REST_FRAMEWORK's authentication classes), so a password alone never reads data.

The admin is for administrators only, with a verified second factor (django-otp's OTPAdminSite); an
administrator without an authenticator is sent to enrol one first.
"""

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.admin import OTPAdminSite

from accounts import policy

OPEN_PATHS = ("/accounts/login/", "/accounts/logout/", "/static/", "/i18n/", "/healthz")


def role_calls_for_second_factor(user):
    """Staff, administrators, managers and dispatchers: the roles that enrol an authenticator app."""
    from accounts.models import Membership, Role

    return user.is_authenticated and (
        user.is_staff
        or policy.is_admin(user)
        or user.managed_communities.exists()
        or Membership.objects.filter(user=user, role__in=[Role.MANAGER, Role.DISPATCHER, Role.ADMIN]).exists()
    )


def requires_second_factor(user):
    """Whether what the user does outside the login page (a personal access token) must rest on a second factor:
    when they enrolled one, or when their role calls for one."""
    return user_has_device(user, confirmed=True) or role_calls_for_second_factor(user)


def may_make_tokens(user):
    """Personal access tokens are made in a session verified by the second factor wherever one is required."""
    return user.is_authenticated and (user.is_verified() or not requires_second_factor(user))


def needs_code(user):
    return user.is_authenticated and not user.is_verified() and user_has_device(user, confirmed=True)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and not request.path.startswith(OPEN_PATHS) and needs_code(user):
            logout(request)
            if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
                return JsonResponse(
                    {"detail": _("Sign in again with the code of your authenticator app.")}, status=403
                )
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class AdminSite(OTPAdminSite):
    """The back office: administrators with a verified second factor."""

    login_template = None

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_verified() and policy.is_admin(user)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and policy.is_admin(user) and not user.is_verified():
            if not user_has_device(user, confirmed=True):
                return redirect(reverse("two-factor"))
        # One login page for every door, the one that asks for the code.
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), login_url=reverse("login"))
