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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scoping import scope_households
from cogov import services
from cogov.models import CatalogueItem, LedgerEntry, PointRule, Redemption
from grids.models import Household


class GrantForm(forms.Form):
    rule = forms.ModelChoiceField(PointRule.objects.filter(active=True).order_by("name"), label=gettext_lazy("Rule"))
    quantity = forms.DecimalField(label=gettext_lazy("Quantity (times or hours)"), min_value=0.1, initial=1)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class ReverseForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class RedeemForm(forms.Form):
    item = forms.ModelChoiceField(CatalogueItem.objects.none(), label=gettext_lazy("Item"))
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
    q = (request.GET.get("q") or "").strip()
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
    can_change = request.user.has_perm("cogov.add_ledgerentry")
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


def _done(request, home, message):
    messages.success(request, message)
    return redirect("cogov:points-household", pk=home.pk)


def _refused(request, home, exc):
    messages.error(request, " ".join(exc.messages if isinstance(exc, ValidationError) else [str(exc)]))
    return redirect("cogov:points-household", pk=home.pk)


@require_POST
@login_required
@permission_required("cogov.add_ledgerentry", raise_exception=True)
def grant(request, pk):
    home = _household(request, pk)
    form = GrantForm(request.POST)
    if not form.is_valid():
        return _refused(request, home, ValidationError([e for errs in form.errors.values() for e in errs]))
    d = form.cleaned_data
    try:
        entry = services.grant(home, d["rule"], quantity=d["quantity"], by=request.user, reason=d["reason"])
    except ValidationError as exc:
        return _refused(request, home, exc)
    return _done(
        request, home, _("%(points)s points granted under %(rule)s.") % {"points": entry.points, "rule": d["rule"]}
    )


@require_POST
@login_required
@permission_required("cogov.add_ledgerentry", raise_exception=True)
def reverse(request, pk):
    home = _household(request, pk)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return _refused(request, home, ValidationError(_("Give the reason for the reversal.")))
    entry = get_object_or_404(LedgerEntry, pk=form.cleaned_data["entry"], household=home)
    try:
        counter = services.reverse(entry, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _refused(request, home, exc)
    return _done(request, home, _("Entry reversed: %(points)s points.") % {"points": counter.points})


@require_POST
@login_required
@permission_required("cogov.add_redemption", raise_exception=True)
def return_item(request, pk):
    home = _household(request, pk)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return _refused(request, home, ValidationError(_("Give the reason for the return.")))
    redemption = get_object_or_404(Redemption, entry_id=form.cleaned_data["entry"], household=home)
    try:
        services.return_item(redemption, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _refused(request, home, exc)
    return _done(
        request,
        home,
        _("%(item)s returned: %(points)s points back.") % {"item": redemption.item.name, "points": redemption.points},
    )


@require_POST
@login_required
@permission_required("cogov.add_redemption", raise_exception=True)
def redeem(request, pk):
    home = _household(request, pk)
    form = RedeemForm(request.POST, household=home)
    if not form.is_valid():
        return _refused(request, home, ValidationError([e for errs in form.errors.values() for e in errs]))
    d = form.cleaned_data
    try:
        r = services.redeem(home, d["item"], quantity=d["quantity"], by=request.user)
    except ValidationError as exc:
        return _refused(request, home, exc)
    return _done(
        request,
        home,
        _("%(n)s × %(item)s for %(points)s points.") % {"n": r.quantity, "item": r.item.name, "points": r.points},
    )
