from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token


class LoginForm(AuthenticationForm):
    """Password, then the 6-digit code of the authenticator app for users who enrolled one."""

    otp_token = forms.CharField(
        label=_("Code from the authenticator app"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Only if you enrolled a second factor."),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        self.otp_device = None
        if user is not None and any(devices_for_user(user, confirmed=True)):
            token = (cleaned.get("otp_token") or "").strip()
            if not token:
                raise forms.ValidationError(_("Enter the code from your authenticator app."), code="otp_required")
            self.otp_device = match_token(user, token)
            if self.otp_device is None:
                raise forms.ValidationError(_("That code is not valid; try the current one."), code="otp_invalid")
        return cleaned


class ConfirmDeviceForm(forms.Form):
    token = forms.CharField(label=_("Code shown by the app"), max_length=8)


class AccessTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “QGIS on my laptop”.")
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=(), initial="read")
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token that lasts until it is revoked."),
    )

    def __init__(self, *args, **kwargs):
        from accounts.models import AccessToken

        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = AccessToken.Scope.choices

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name

    def clean_expires_on(self):
        from django.utils import timezone

        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("The expiry date must lie in the future."))
        return day
