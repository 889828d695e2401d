import base64
import csv
from io import BytesIO

from auditlog.models import LogEntry
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.contrib.auth.views import LoginView as BaseLoginView
from django.contrib.auth.views import LogoutView as BaseLogoutView
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import generic
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import AccessTokenForm, ConfirmDeviceForm, LoginForm
from accounts.scoping import is_admin
from accounts.second_factor import role_calls_for_second_factor
from common.params import ParamError, parse_date, raw


class LoginView(BaseLoginView):
    form_class = LoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response


class LogoutView(BaseLogoutView):
    """Signing out also clears what this site kept in the browser: the field workspace's offline copies (the
    worker's cases and cells) and its queue must not be read by the next person on a shared phone. The workspace
    asks before signing out while reports still wait to be sent."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


may_use_second_factor = role_calls_for_second_factor


class TwoFactorView(LoginRequiredMixin, UserPassesTestMixin, generic.FormView):
    """Managers and administrators enrol a TOTP authenticator app (QR code), confirming with a first code."""

    template_name = "accounts/two_factor.html"
    form_class = ConfirmDeviceForm

    def test_func(self):
        return may_use_second_factor(self.request.user)

    def device(self):
        device = TOTPDevice.objects.filter(user=self.request.user, confirmed=False).first()
        return device or TOTPDevice.objects.create(user=self.request.user, name="authenticator", confirmed=False)

    def get_context_data(self, **kwargs):
        import qrcode
        import qrcode.image.svg

        ctx = super().get_context_data(**kwargs)
        confirmed = TOTPDevice.objects.filter(user=self.request.user, confirmed=True).exists()
        ctx["confirmed"] = confirmed
        if not confirmed:
            device = self.device()
            buf = BytesIO()
            qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(buf)
            # An image, not markup in the page: the code carries the username.
            ctx["qr_src"] = "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
            ctx["secret"] = device.config_url.split("secret=")[1].split("&")[0]
        return ctx

    def form_valid(self, form):
        device = self.device()
        if not device.verify_token(form.cleaned_data["token"].strip()):
            form.add_error("token", _("That code is not valid; try the current one."))
            return self.form_invalid(form)
        device.confirmed = True
        device.save()
        otp_login(self.request, device)
        from django.contrib import messages

        messages.success(self.request, _("Second factor enabled: you will be asked for a code at each login."))
        return redirect("two-factor")


class AuditAccessMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self):
        return is_admin(self.request.user) or self.request.user.has_perm("auditlog.view_logentry")


class RecordHistoryView(AuditAccessMixin, generic.TemplateView):
    """Every change of one record, also after it was deleted."""

    template_name = "accounts/history.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            ct = ContentType.objects.get_by_natural_key(kwargs["app_label"], kwargs["model"])
        except ContentType.DoesNotExist:
            raise Http404
        entries = LogEntry.objects.filter(content_type=ct, object_pk=str(kwargs["pk"])).select_related("actor")
        ctx.update(entries=entries.order_by("-timestamp"), model=ct.model_class()._meta.verbose_name, pk=kwargs["pk"])
        return ctx


class AuditExportView(AuditAccessMixin, generic.View):
    """The audit trail as CSV: ?model=app_label.model&since=YYYY-MM-DD."""

    def get(self, request):
        entries = LogEntry.objects.select_related("actor", "content_type").order_by("timestamp")
        label = raw(request.GET, "model")
        if label:
            if label.count(".") != 1:
                raise ParamError("model", _("model must be app_label.model, e.g. grids.household."))
            app_label, model = label.split(".")
            entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
        since = parse_date(request.GET, "since")
        if since:
            entries = entries.filter(timestamp__date__gte=since)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(["timestamp", "actor", "action", "model", "object_id", "object", "changes"])
        actions = dict(LogEntry.Action.choices)
        for e in entries.iterator():
            writer.writerow(
                [
                    e.timestamp.isoformat(),
                    e.actor.username if e.actor else "",
                    actions.get(e.action, e.action),
                    f"{e.content_type.app_label}.{e.content_type.model}",
                    e.object_pk,
                    e.object_repr,
                    "; ".join(f"{field}: {change[0]} → {change[-1]}" for field, change in e.changes_dict.items()),
                ]
            )
        return response


class TokensView(LoginRequiredMixin, generic.FormView):
    """The user's personal access tokens (for QGIS, GDAL and scripts): make one (shown once), see when each was
    last used, revoke. Users whose role calls for a second factor make tokens only from a verified session."""

    template_name = "accounts/tokens.html"
    form_class = AccessTokenForm

    def get_context_data(self, **kwargs):
        from accounts.models import AccessToken
        from accounts.second_factor import may_make_tokens, requires_second_factor

        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["tokens"] = AccessToken.objects.filter(user=user)
        ctx["may_make"] = may_make_tokens(user)
        ctx["needs_enrolment"] = requires_second_factor(user) and not user_has_device(user, confirmed=True)
        ctx["ogc_url"] = self.request.build_absolute_uri("/ogc/")
        return ctx

    def form_valid(self, form):
        from datetime import datetime, time

        from django.utils import timezone

        from accounts.second_factor import may_make_tokens
        from accounts.tokens import make_token

        user = self.request.user
        if not may_make_tokens(user):
            raise PermissionDenied(_("Sign in with the code of your authenticator app to make a token."))
        day = form.cleaned_data["expires_on"]
        expires = timezone.make_aware(datetime.combine(day, time.min)) if day else None
        token, raw = make_token(
            user, form.cleaned_data["name"], form.cleaned_data["scope"], expires, verified=user.is_verified()
        )
        ctx = self.get_context_data(form=self.form_class())
        ctx["new_token"] = raw
        ctx["new_name"] = token.name
        response = self.render_to_response(ctx)
        response["Cache-Control"] = "no-store"
        return response


class TokenRevokeView(LoginRequiredMixin, generic.View):
    """Revoke one of one's own tokens (POST); other users' tokens answer 404."""

    http_method_names = ["post"]

    def post(self, request, pk):
        from django.contrib import messages
        from django.shortcuts import get_object_or_404
        from django.utils import timezone

        from accounts.models import AccessToken

        token = get_object_or_404(AccessToken, pk=pk, user=request.user)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at", "updated_at"])
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect("tokens")
