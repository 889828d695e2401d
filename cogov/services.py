"""Points: granting under rules with monthly caps, reversal, balances, and redemption at the points shop.

Every write locks the household's row first, so two grants or redemptions for one household are applied
one after the other and the cap and balance checks see each other's effect. Stock is taken with a
conditional UPDATE (stock >= quantity), so concurrent redemptions can never take an item below zero.
"""

from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from cogov.models import AssessmentPhoto, CatalogueItem, LedgerEntry, PointRule, Rating, Redemption, Source
from grids.models import Household


class CapReached(ValidationError):
    """The rule's monthly cap leaves nothing to grant this month."""


class AlreadyGranted(ValidationError):
    """The source record has already earned its points under this rule."""


def balance(household):
    """The household's points: the sum of its ledger."""
    return LedgerEntry.objects.filter(household=household).aggregate(s=Coalesce(Sum("points"), 0))["s"]


def with_balance(households):
    """Annotate a household queryset with `points_balance` (one aggregate, no loop)."""
    return households.annotate(points_balance=Coalesce(Sum("points_entries__points"), 0))


def _lock(household):
    pk = household.pk if isinstance(household, Household) else household
    return Household.objects.select_for_update().only("pk").get(pk=pk)


def _month(moment):
    local = timezone.localtime(moment)
    start = local.date().replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def earned_this_month(household, rule, moment=None):
    """Net points the household has under `rule` in the calendar month of `moment`.

    A reversal counts in the month of the entry it cancels, whenever it was written: reversing last month's grant
    frees nothing under this month's cap.
    """
    start, end = _month(moment or timezone.now())
    mine = LedgerEntry.objects.filter(household=household, rule=rule)
    in_month = {"at__date__gte": start, "at__date__lt": end}
    originals = Q(reverses__isnull=True, **in_month)
    reversals = Q(reverses__isnull=False, **{f"reverses__{k}": v for k, v in in_month.items()})
    return mine.filter(originals | reversals).aggregate(s=Coalesce(Sum("points"), 0))["s"]


def _source_ref(source):
    if source is None:
        return None, ""
    return ContentType.objects.get_for_model(source), str(source.pk)


def _staff_may(user, perm, household):
    """A change made by a person (not by a verified source record) is theirs to make only for households of
    their area (accounts.policy)."""
    if user is None:
        return
    from accounts import policy

    if not policy.allows(user, perm, household):
        raise PermissionDenied(gettext("This household is outside your area."))


@transaction.atomic
def grant(household, rule, *, source=None, quantity=1, by=None, reason="", at=None):
    """Add a ledger entry under `rule` (a PointRule or its code): rule.points × quantity, capped monthly.

    A grant that would pass the monthly cap is cut down to what is left; when nothing is left, CapReached.
    `source` is the verified record that earns the points (a case, a maintenance log …); it earns them once.
    Without a source record (a manual grant) a reason is required.
    """
    if isinstance(rule, str):
        try:
            rule = PointRule.objects.get(code=rule)
        except PointRule.DoesNotExist:
            raise ValidationError(gettext("There is no points rule %(code)s.") % {"code": rule})
    if not rule.active:
        raise ValidationError(gettext("The rule %(rule)s is not in use.") % {"rule": rule.name})
    if source is None and not reason.strip():
        raise ValidationError(gettext("A grant without a source record needs a reason."))
    quantity = Decimal(str(quantity))
    if quantity <= 0:
        raise ValidationError(gettext("The quantity must be more than zero."))
    at = at or timezone.now()
    points = int((rule.points * quantity).to_integral_value())
    if points == 0:
        raise ValidationError(gettext("This grant comes to zero points."))
    household = _lock(household)
    if source is None:  # a grant by hand; one earned by a record follows that record's own checked flow
        _staff_may(by, "cogov.add_ledgerentry", household)
    if rule.monthly_cap is not None and points > 0:
        left = rule.monthly_cap - earned_this_month(household, rule, at)
        if left <= 0:
            raise CapReached(
                gettext("The monthly cap of %(cap)s points under %(rule)s is reached.")
                % {"cap": rule.monthly_cap, "rule": rule.name},
                code="cap",
            )
        points = min(points, left)
    source_type, source_id = _source_ref(source)
    entry = LedgerEntry(
        household=household,
        points=points,
        rule=rule,
        source=rule.source,
        source_type=source_type,
        source_id=source_id,
        quantity=quantity,
        reason=reason.strip(),
        granted_by=by,
        at=at,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise AlreadyGranted(gettext("This record has already earned its points."), code="granted")
    return entry


@transaction.atomic
def reverse(entry, *, by=None, reason):
    """Cancel a wrong entry with a counter-entry of the opposite sign; the original stays in the ledger."""
    if not reason or not reason.strip():
        raise ValidationError(gettext("Give the reason for the reversal."))
    _staff_may(by, "cogov.add_ledgerentry", _lock(entry.household_id))
    entry = LedgerEntry.objects.get(pk=entry.pk)
    if entry.reverses_id:
        raise ValidationError(gettext("A reversal cannot itself be reversed; grant the points again instead."))
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(gettext("This entry has already been reversed."))
    if entry.source == Source.REDEMPTION:
        raise ValidationError(gettext("A redemption is undone by returning the item, not by reversing its points."))
    return _counter_entry(entry, by, reason)


def _counter_entry(entry, by, reason):
    """The entry of opposite sign that cancels `entry` (same household, rule, source record and quantity)."""
    counter = LedgerEntry(
        household_id=entry.household_id,
        points=-entry.points,
        rule=entry.rule,
        source=entry.source,
        source_type=entry.source_type,
        source_id=entry.source_id,
        quantity=entry.quantity,
        reason=reason.strip(),
        reverses=entry,
        granted_by=by,
    )
    counter.save()
    return counter


def redeem(household, item, *, quantity=1, by=None):
    """Exchange points for `quantity` of `item`: stock and points are taken together or not at all."""
    if quantity < 1:
        raise ValidationError(gettext("The quantity must be at least 1."))
    with transaction.atomic():
        household = _lock(household)
        _staff_may(by, "cogov.add_redemption", household)
        item_id = item.pk if isinstance(item, CatalogueItem) else item
        item = CatalogueItem.objects.get(pk=item_id)
        if not item.active:
            raise ValidationError(gettext("%(item)s is not on offer.") % {"item": item.name})
        community_id = Household.objects.filter(pk=household.pk).values_list("community_id", flat=True).get()
        if item.community_id and item.community_id != community_id:
            raise ValidationError(gettext("%(item)s is offered in another community.") % {"item": item.name})
        cost = item.price * quantity
        have = balance(household)
        if have < cost:
            raise ValidationError(
                gettext("Not enough points: %(item)s costs %(cost)s, the household has %(have)s.")
                % {"item": item.name, "cost": cost, "have": have},
                code="points",
            )
        taken = CatalogueItem.objects.filter(pk=item.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
        if not taken:
            raise ValidationError(gettext("%(item)s is out of stock.") % {"item": item.name}, code="stock")
        entry = LedgerEntry(
            household=household,
            points=-cost,
            source=Source.REDEMPTION,
            quantity=quantity,
            reason=item.name,
            granted_by=by,
        )
        entry.save()
        return Redemption.objects.create(
            household=household, item=item, quantity=quantity, points=cost, entry=entry, served_by=by
        )


@transaction.atomic
def return_item(redemption, *, by=None, reason):
    """Undo a redemption: the item goes back into stock and the points back to the household, together, once."""
    if not reason or not reason.strip():
        raise ValidationError(gettext("Give the reason for the return."))
    _staff_may(by, "cogov.add_redemption", _lock(redemption.household_id))
    entry = LedgerEntry.objects.get(pk=redemption.entry_id)
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(gettext("This redemption has already been returned."))
    CatalogueItem.objects.filter(pk=redemption.item_id).update(stock=F("stock") + redemption.quantity)
    return _counter_entry(entry, by, reason)


# --- ratings -------------------------------------------------------------------------------

CHECKLISTS = {
    Rating.Kind.COURTYARD: ["clean", "tidy", "green", "sorted_waste", "no_dry_toilet"],
    Rating.Kind.TEN_STAR: [
        "patriotic",
        "law_abiding",
        "honest",
        "united",
        "diligent",
        "thrifty",
        "hygienic",
        "learning",
        "filial",
        "helpful",
    ],
}
PASS_SHARE = Decimal("0.8")


@transaction.atomic
def apply_rating(household, kind, year=None, alias=""):
    year = year or timezone.localdate().year
    if Rating.objects.filter(household=household, kind=kind, year=year).exclude(status=Rating.Status.REFUSED).exists():
        raise ValidationError(gettext("This household has already applied for this rating this year."))
    rating = Rating.objects.create(household=household, kind=kind, year=year, alias=alias)
    if kind == Rating.Kind.COURTYARD and household.courtyard == Household.Courtyard.NONE:
        Household.objects.filter(pk=household.pk).update(courtyard=Household.Courtyard.APPLIED)
    return rating


@transaction.atomic
def assess(rating, *, by, checklist, photos=()):
    """Record the field assessment: every checklist item ticked or not, photos taken on site (checked from their
    headers here, re-encoded without metadata by the worker: cases/photos.py)."""
    from cases.photos import check_photos, keep

    rating = Rating.objects.select_for_update().get(pk=rating.pk)
    if rating.status != Rating.Status.APPLIED:
        raise ValidationError(gettext("Only an application waiting for assessment can be assessed."))
    items = CHECKLISTS[rating.kind]
    missing = [i for i in items if i not in checklist]
    unknown = [k for k in checklist if k not in items]
    if missing or unknown:
        raise ValidationError(
            gettext("The checklist must answer exactly these items: %(items)s.") % {"items": ", ".join(items)}
        )
    try:
        images = check_photos(photos)
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages}) from None
    rating.checklist = {k: bool(checklist[k]) for k in items}
    rating.score = round(100 * sum(rating.checklist.values()) / len(items))
    rating.status = Rating.Status.ASSESSED
    rating.assessed_by = by
    rating.assessed_at = timezone.now()
    rating.save()
    keep(AssessmentPhoto, images, rating=rating)
    return rating


@transaction.atomic
def decide(rating, *, by, award, note=""):
    """Award (when the checklist passes) or refuse an assessed application.

    An award earns the rating's points (rule ``rating-<kind>``) and a line on the red board.
    """
    from cogov.models import BoardEntry

    rating = Rating.objects.select_for_update().select_related("household").get(pk=rating.pk)
    if rating.status != Rating.Status.ASSESSED:
        raise ValidationError(gettext("Only an assessed application can be awarded or refused."))
    if award and Decimal(rating.score or 0) < 100 * PASS_SHARE:
        raise ValidationError(
            gettext("The assessment scored %(score)s; an award needs at least %(need)s.")
            % {"score": rating.score, "need": int(100 * PASS_SHARE)}
        )
    rating.status = Rating.Status.AWARDED if award else Rating.Status.REFUSED
    rating.decided_by = by
    rating.decided_at = timezone.now()
    rating.note = note
    rating.save()
    household = rating.household
    if rating.kind == Rating.Kind.COURTYARD:
        value = Household.Courtyard.AWARDED if award else Household.Courtyard.NONE
        Household.objects.filter(pk=household.pk).update(courtyard=value)
    if award:
        rule = PointRule.objects.filter(code=f"rating-{rating.kind}", active=True).first()
        if rule is not None:
            grant(household, rule, source=rating, by=by)
        BoardEntry.objects.create(
            community_id=household.community_id,
            board=BoardEntry.Board.RED,
            household=household,
            alias=rating.alias,
            rating=rating,
            reason=f"{rating.get_kind_display()} {rating.year}",
        )
    return rating


def public_board(community, board, day=None):
    """Board lines for display: door plate or alias, reason and date only."""
    from cogov.models import BoardEntry

    day = day or timezone.localdate()
    qs = (
        BoardEntry.objects.filter(community=community, board=board, published__lte=day)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .select_related("household__building")
        .order_by("-published", "-id")
    )
    return [{"name": e.public_name, "reason": e.reason, "published": e.published} for e in qs]
