from django import forms
from django.conf import settings
from django.db.models import CharField, DateTimeField, F, Func, Q, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Category, State
from common.params import ParamError, check_date, check_range
from grids.models import GridCell


class ReportForm(forms.Form):
    """The mobile report: where, what, a few words, photos (read from request.FILES by the view)."""

    kind = forms.ChoiceField(label=_("Kind of report"), choices=Case.Kind.choices, initial=Case.Kind.PROBLEM)
    category = forms.CharField(label=_("Category"), max_length=10)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    asset = forms.CharField(label=_("Asset identifier"), max_length=16, required=False)
    contact_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Your phone"), max_length=20, required=False)
    # The id the page's queue gave the report on the phone: sent again, it answers the same case.
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:
            self.add_error(None, _("Locate the case: use your position or tap the map."))
        return data


class FilterForm(forms.Form):
    """The staff list's filters. Bound with `for_query`: a query without a state lists the open cases, and the form
    shows that it does."""

    DEFAULT_STATE = "open"

    q = forms.CharField(
        label=_("Case number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "inputmode": "numeric", "placeholder": _("e.g. 1234")}),
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("all")), ("open", _("open")), *State.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False, to_field_name="code"
    )
    cell = forms.ModelChoiceField(
        label=_("Grid cell"), queryset=GridCell.objects.all(), required=False, to_field_name="code"
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    @classmethod
    def for_query(cls, params):
        data = params.copy()
        if "state" not in data:
            data["state"] = cls.DEFAULT_STATE
        return cls(data)

    def clean_q(self):
        q = self.cleaned_data["q"].strip()
        digits = "".join(ch for ch in q if ch.isdigit())
        if q and not digits:
            raise forms.ValidationError(_("A case number is made of digits, e.g. 1234 or 20261130001234."))
        return digits

    def clean(self):
        """Dates held to the same rules as every query parameter (common.params): a sane year, start ≤ end."""
        d = super().clean()
        try:
            check_date(d.get("start"), "start")
            check_date(d.get("end"), "end")
            check_range(d.get("start"), d.get("end"))
        except ParamError as exc:
            self.add_error(exc.field, exc.message)
        return d

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        if d["q"]:
            qs = with_number(qs, d["q"])
        if d["state"] == "open":
            qs = qs.open()
        elif d["state"]:
            qs = qs.filter(state=d["state"])
        if d["category"]:
            qs = qs.filter(category=d["category"])
        if d["cell"]:
            qs = qs.filter(cell=d["cell"])
        if d["start"]:
            qs = qs.filter(created_at__date__gte=d["start"])
        if d["end"]:
            qs = qs.filter(created_at__date__lte=d["end"])
        if d["overdue"]:
            qs = qs.overdue()
        return qs


def with_number(qs, digits):
    """Cases whose number holds these digits: the case id (whole or part of it), or, from seven digits on, the long
    number too (report date + six-digit id, as Case.number)."""
    as_text = Cast("id", CharField())
    qs = qs.alias(id_text=as_text)
    match = Q(id_text__contains=digits)
    if len(digits) >= 7:
        local = Func(Value(settings.TIME_ZONE), F("created_at"), function="timezone", output_field=DateTimeField())
        day = Func(local, Value("YYYYMMDD"), function="to_char", output_field=CharField())
        qs = qs.alias(number_text=Concat(day, LPad(as_text, 6, Value("0")), output_field=CharField()))
        match |= Q(number_text__contains=digits)
    return qs.filter(match)
