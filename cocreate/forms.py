from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from leaflet.forms.widgets import LeafletWidget

from cocreate.models import Campaign, Contribution, Decision, Need, Satisfaction, SpotCheckItem


class PointForm(forms.Form):
    lon = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90)


class NeedForm(PointForm):
    title = forms.CharField(label=_("What is needed"), max_length=100)
    topic = forms.ChoiceField(label=_("Topic"), choices=Need.Topic.choices, initial=Need.Topic.OTHER)
    description = forms.CharField(label=_("Description"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    need = forms.ModelChoiceField(label=_("Need on the agenda"), queryset=Need.objects.none(), required=False)
    votes_for = forms.IntegerField(label=_("Households for"), min_value=0, required=False)
    votes_against = forms.IntegerField(label=_("Households against"), min_value=0, required=False)
    outcome = forms.ChoiceField(label=_("Carried out as"), choices=Decision.Outcome.choices)
    owner = forms.ModelChoiceField(label=_("Task owner"), queryset=get_user_model().objects.none(), required=False)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ModelChoiceField(label=_("Case category"), queryset=None, required=False)

    def __init__(self, meeting, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import Membership
        from cases.models import Category
        from grids.models import GridAssignment

        c = meeting.community
        self.fields["need"].queryset = meeting.agenda.all()
        staff = Membership.objects.filter(community=c).exclude(role="resident").values("user")
        workers = GridAssignment.objects.filter(cell__community=c).values("worker")
        self.fields["owner"].queryset = get_user_model().objects.filter(pk__in=staff.union(workers)).order_by("pk")
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["category"].queryset = Category.objects.filter(active=True)


class CaseRatingForm(forms.Form):
    level = forms.ChoiceField(label=_("How satisfied are you?"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FindingForm(PointForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=None)
    checklist_item = forms.ChoiceField(label=_("Checklist item"), required=False)
    description = forms.CharField(label=_("What was found"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, campaign, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.models import Category

        targets = campaign.categories.filter(active=True)
        self.fields["category"].queryset = targets if targets.exists() else Category.objects.filter(active=True)
        self.fields["checklist_item"].choices = [("", "—")] + [(x, x) for x in campaign.checklist]


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    held_at = forms.DateTimeField(label=_("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    venue = forms.CharField(label=_("Venue"), max_length=150)


class AgendaForm(forms.Form):
    agenda = forms.ModelMultipleChoiceField(label=_("Agenda"), queryset=Need.objects.none(), required=False)
    households = forms.ModelMultipleChoiceField(label=_("Participating households"), queryset=None, required=False)

    def __init__(self, meeting, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from grids.models import Household

        c = meeting.community_id
        self.fields["agenda"].queryset = Need.objects.filter(community=c).exclude(status__in=["done", "declined"])
        self.fields["households"].queryset = Household.objects.filter(community=c).select_related("building")
        self.fields["households"].label_from_instance = lambda h: h.door_plate or str(h.pk)


class MediationStepForm(forms.Form):
    """One step of a mediation: a session, the agreement (with photos of the signed paper) or a follow-up visit."""

    STEPS = [
        ("session", pgettext_lazy("mediation", "session")),
        ("agreement", _("agreement reached")),
        ("failed", _("no agreement")),
        ("followup", _("follow-up visit")),
    ]
    step = forms.ChoiceField(choices=STEPS, widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# --- staff entry: contributions (共建) and campaigns (集中整治) -----------------------------------------------------
NUMBERS = ("amount", "hours", "quantity", "value")


def centre_map_on(widget, community):
    """The drawing map opens over the community rather than on the site's default view."""
    inside = community.boundary.point_on_surface
    widget.attrs["settings_overrides"] = {"DEFAULT_CENTER": (inside.y, inside.x), "DEFAULT_ZOOM": 15}


class ContributionForm(forms.ModelForm):
    """What a household, business or organisation put in; the model's clean() holds the rules per kind."""

    class Meta:
        model = Contribution
        fields = [
            "kind",
            "contributor_kind",
            "household",
            "contributor_name",
            "alias",
            "on",
            "amount",
            "hours",
            "work",
            "item",
            "quantity",
            "value",
            "area",
            "until",
        ]
        widgets = {
            "area": LeafletWidget(),
            "on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "until": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        from grids.models import Household

        self.community = community
        households = Household.objects.filter(community=community).select_related("building")
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: h.door_plate or str(h.pk)
        centre_map_on(self.fields["area"].widget, community)
        for name in NUMBERS:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in NUMBERS:
            if data.get(name) is None and name not in self.errors:
                data[name] = self.instance._meta.get_field(name).default
        household = data.get("household")
        if household is not None and household.community_id != self.community.pk:
            self.add_error("household", _("The household is not of this community."))
        return data


class CampaignForm(forms.ModelForm):
    """A campaign of a community: its zone drawn on the map or a set of its cells, the period, target categories
    and the checklist (one item a line)."""

    checklist_text = forms.CharField(
        label=pgettext_lazy("campaign", "Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item a line, e.g. 五清: 清垃圾."),
    )

    class Meta:
        model = Campaign
        fields = ["name", "start", "end", "zone", "cells", "categories"]
        widgets = {
            "zone": LeafletWidget(),
            "start": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "end": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "cells": forms.CheckboxSelectMultiple,
            "categories": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.models import Category
        from grids.models import GridCell

        self.community = community
        self.instance.community = community
        self.fields["cells"].queryset = GridCell.objects.filter(community=community).order_by("code")
        self.fields["cells"].label_from_instance = lambda c: c.code
        centre_map_on(self.fields["zone"].widget, community)
        self.fields["categories"].queryset = Category.objects.filter(active=True)

    def clean_checklist_text(self):
        items = [line.strip() for line in self.cleaned_data["checklist_text"].splitlines() if line.strip()]
        if any(len(x) > 100 for x in items):
            raise forms.ValidationError(_("A checklist item has at most 100 characters."))
        if len(items) > 50:
            raise forms.ValidationError(_("A checklist has at most 50 items."))
        return items

    def clean(self):
        data = super().clean()
        zone, cells = data.get("zone"), data.get("cells")
        if "zone" not in self.errors and zone is None and not cells:
            raise forms.ValidationError(_("Draw the campaign's zone on the map or choose its grid cells."))
        if zone is not None:
            from grids.models import Community

            if not Community.objects.filter(pk=self.community.pk, boundary__intersects=zone).exists():
                self.add_error("zone", _("The zone lies outside the community."))
        self.instance.checklist = data.get("checklist_text") or []
        return data


class SpotCheckForm(forms.Form):
    """每周抽查: the week (its Monday) and how many of its findings to sample."""

    week = forms.DateField(
        label=_("Week from (Monday)"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    size = forms.IntegerField(label=_("Findings to sample"), min_value=1, max_value=50, initial=5)


class SpotCheckResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=SpotCheckItem.Result.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
