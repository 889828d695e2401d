from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Category, State
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

    def clean(self):
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:
            self.add_error(None, _("Locate the case: use your position or tap the map."))
        return data


class FilterForm(forms.Form):
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

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
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
