from django import forms
from django.utils.translation import gettext_lazy as _

from assets.models import Adoption, AssetPhoto, Inspection, MaintenanceLog
from common.images import PhotoField


class DateInput(forms.DateInput):
    input_type = "date"


class AdoptionForm(forms.ModelForm):
    accept = forms.BooleanField(label=_("I have read the agreement and accept it"))

    class Meta:
        model = Adoption
        fields = ["adopter_kind", "adopter_name", "contact_phone", "start", "end"]
        widgets = {"start": DateInput(), "end": DateInput()}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("approve")), ("reject", _("reject"))])
    note = forms.CharField(label=_("review note"), max_length=200, required=False)


class MaintenanceLogForm(forms.ModelForm):
    class Meta:
        model = MaintenanceLog
        fields = ["date", "work", "photo"]
        widgets = {"date": DateInput()}
        field_classes = {"photo": PhotoField}


class PhotoForm(forms.ModelForm):
    class Meta:
        model = AssetPhoto
        fields = ["image", "caption"]
        field_classes = {"image": PhotoField}


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = ["condition", "note", "photo"]
        field_classes = {"photo": PhotoField}
