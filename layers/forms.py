from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from layers import targets
from layers.models import FeatureLayer
from layers.readers import LayerFileError, parse_crs


def target_choices(user=None):
    return [
        (t.name, t.label)
        for t in targets.all_targets()
        if user is None or not t.permission or user.has_perm(t.permission)
    ]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"), help_text=gettext_lazy("Shapefile (.zip), GeoPackage, GeoJSON, KML or CSV")
    )
    target = forms.ChoiceField(label=gettext_lazy("Import into"))
    overlay_name = forms.CharField(
        label=gettext_lazy("Overlay layer name"), required=False, help_text=gettext_lazy("For a free overlay layer")
    )
    crs = forms.CharField(
        label=gettext_lazy("CRS override"),
        required=False,
        help_text=gettext_lazy("Leave empty to use the file's own CRS; e.g. EPSG:4490 or EPSG:4547"),
    )
    layer = forms.CharField(label=gettext_lazy("Layer in the file"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = target_choices(user)

    def clean_file(self):
        f = self.cleaned_data["file"]
        limit = settings.LAYERS["MAX_UPLOAD_MB"]
        if f.size > limit * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(limit)s MB.") % {"limit": limit})
        return f

    def clean_crs(self):
        crs = self.cleaned_data["crs"].strip()
        if crs:
            try:
                parse_crs(crs)
            except LayerFileError as exc:
                raise forms.ValidationError(str(exc))
        return crs

    def clean(self):
        data = super().clean()
        if data.get("target") == "feature" and not data.get("overlay_name", "").strip():
            self.add_error("overlay_name", _("Name the overlay layer."))
        return data

    def overlay(self):
        name = self.cleaned_data.get("overlay_name", "").strip()
        if self.cleaned_data.get("target") != "feature" or not name:
            return None
        return FeatureLayer.objects.get_or_create(name=name)[0]


def guess(field, columns, label=""):
    """The file column that most likely holds a target field (same name, case-insensitive)."""
    wanted = {field.lower(), str(label).lower()}
    for c in columns:
        if c.lower() in wanted:
            return c
    return ""


class MappingForm(forms.Form):
    """One select per target field (the file's columns), and the key that identifies rows on re-import."""

    def __init__(self, *args, target=None, columns=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        choices = [("", _("— not imported —"))] + [(c, c) for c in columns]
        initial_mapping = initial_mapping or {}
        for name, label in target.fields.items():
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=name in target.required,
                initial=initial_mapping.get(name) or guess(name, columns, label),
            )
        keys = [("", _("always add new records"))] + [(k, target.fields.get(k, k)) for k in target.key_fields]
        self.fields["key_field"] = forms.ChoiceField(
            label=_("Update existing records by"), choices=keys, required=False
        )
        self.fields["merge_pieces"] = forms.BooleanField(
            label=_("Merge rows of the file with the same key into one multi-part geometry"),
            help_text=_("For features clipped into pieces under one id; otherwise only a key's first row is kept."),
            required=False,
            initial=bool(initial_mapping.get("_merge_pieces")),
        )

    def clean(self):
        data = super().clean()
        key = data.get("key_field")
        if key and not data.get(f"map_{key}"):
            self.add_error(
                "key_field", _("Map a column onto the key field %(key)s first.") % {"key": self.target.fields[key]}
            )
        return data

    def mapping(self):
        mapping = {name: self.cleaned_data.get(f"map_{name}") or "" for name in self.target.fields}
        if self.cleaned_data.get("merge_pieces"):
            mapping["_merge_pieces"] = True
        return mapping
