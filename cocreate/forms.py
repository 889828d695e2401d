from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cocreate.models import Decision, Need, Satisfaction


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
