"""Staff pages for the points ledger: find a household of one's area, see its ledger and balance, grant points by
hand with a reason, reverse a wrong entry, and serve a redemption from the points shop. Every change goes through
cogov.services (caps, locks, stock), so these pages hold no rules of their own."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.scoping import scope_households
from cogov import services
from cogov.models import CatalogueItem, LedgerEntry, PointRule, Redemption
from common.params import raw
from grids.models import Household


class GrantForm(forms.Form):
    rule = forms.ModelChoiceField(
        PointRule.objects.filter(active=True).order_by("name"), label=pgettext_lazy("points rule", "Rule")
    )
    quantity = forms.DecimalField(label=gettext_lazy("Quantity (times or hours)"), min_value=0.1, initial=1)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class ReverseForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class RedeemForm(forms.Form):
    item = forms.ModelChoiceField(CatalogueItem.objects.none(), label=pgettext_lazy("points shop", "Item"))
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, initial=1)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = CatalogueItem.objects.filter(
            Q(community__isnull=True) | Q(community_id=household.community_id), active=True
        ).order_by("name")


def _household(request, pk):
    """A household of the user's area (accounts.scoping), or 404: others' households are not there for them."""
    return get_object_or_404(
        scope_households(Household.objects.select_related("building", "community"), request.user), pk=pk
    )


@login_required
@permission_required("cogov.view_ledgerentry", raise_exception=True)
def households(request):
    """Households of the user's area by door plate, with their balances."""
    q = raw(request.GET, "q") or ""
    # By id, so that the joins of the scope never count an entry twice in the balance.
    mine = scope_households(Household.objects.all(), request.user).values("pk")
    qs = Household.objects.filter(pk__in=mine).select_related("building", "community")
    if q:
        qs = qs.filter(Q(building__name__icontains=q) | Q(address__icontains=q) | Q(room__icontains=q))
    page = Paginator(services.with_balance(qs).order_by("community", "building", "unit", "room"), 50)
    return render(request, "cogov/points_list.html", {"page": page.get_page(request.GET.get("page")), "q": q})


@login_required
@permission_required("cogov.view_ledgerentry", raise_exception=True)
def household(request, pk):
    home = _household(request, pk)
    entries = (
        LedgerEntry.objects.filter(household=home)
        .select_related("rule", "granted_by", "reverses")
        .order_by("-at", "-pk")
    )
    reversed_ids = set(
        LedgerEntry.objects.filter(household=home, reverses__isnull=False).values_list("reverses", flat=True)
    )
    can_change = policy.allows(request.user, "cogov.add_ledgerentry", home)
    return render(
        request,
        "cogov/points_household.html",
        {
            "household": home,
            "balance": services.balance(home),
            "entries": entries[:200],
            "reversed_ids": reversed_ids,
            "can_change": can_change,
            "grant_form": GrantForm(),
            "redeem_form": RedeemForm(household=home),
        },
    )


def _post(request, pk, form_class, act, **form_kwargs):
    """Run one change for a household of the user's area: the form checked, then `act(home, cleaned_data)` (a
    cogov.services call that returns the message to show); a refusal is shown with its reason, nothing written."""
    home = _household(request, pk)
    form = form_class(request.POST, **({"household": home} if form_kwargs.get("with_household") else {}))
    try:
        if not form.is_valid():
            raise ValidationError([e for errs in form.errors.values() for e in errs])
        messages.success(request, act(home, form.cleaned_data))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("cogov:points-household", pk=home.pk)


@require_POST
@login_required
@permission_required("cogov.add_ledgerentry", raise_exception=True)
def grant_points(request, pk):
    def act(home, d):
        entry = services.grant(home, d["rule"], quantity=d["quantity"], by=request.user, reason=d["reason"])
        return _("%(points)s points granted under %(rule)s.") % {"points": entry.points, "rule": d["rule"]}

    return _post(request, pk, GrantForm, act)


@require_POST
@login_required
@permission_required("cogov.add_ledgerentry", raise_exception=True)
def reverse(request, pk):
    def act(home, d):
        entry = get_object_or_404(LedgerEntry, pk=d["entry"], household=home)
        counter = services.reverse(entry, by=request.user, reason=d["reason"])
        return _("Entry reversed: %(points)s points.") % {"points": counter.points}

    return _post(request, pk, ReverseForm, act)


@require_POST
@login_required
@permission_required("cogov.add_redemption", raise_exception=True)
def return_item(request, pk):
    def act(home, d):
        redemption = get_object_or_404(Redemption, entry_id=d["entry"], household=home)
        services.return_item(redemption, by=request.user, reason=d["reason"])
        return _("%(item)s returned: %(points)s points back.") % {
            "item": redemption.item.name,
            "points": redemption.points,
        }

    return _post(request, pk, ReverseForm, act)


@require_POST
@login_required
@permission_required("cogov.add_redemption", raise_exception=True)
def redeem(request, pk):
    def act(home, d):
        r = services.redeem(home, d["item"], quantity=d["quantity"], by=request.user)
        return _("%(n)s × %(item)s for %(points)s points.") % {"n": r.quantity, "item": r.item.name, "points": r.points}

    return _post(request, pk, RedeemForm, act, with_household=True)
