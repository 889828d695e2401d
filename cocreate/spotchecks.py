"""每周抽查 and 红黑榜: a manager samples a campaign's findings of a week (at random from a stored seed: the same seed
gives the same sample) and records pass or fail for each; the red/black board ranks the communities (villages) of a
campaign's wave — the campaigns of the same street whose periods overlap — by their closure rate, on-time rate and
spot-check pass rate, computed by the database. The board names communities only, never a person."""

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import MD5, Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext

from accounts import policy
from cocreate.models import Campaign, Finding, SpotCheck, SpotCheckItem

MAX_SAMPLE = 50


def monday(day):
    return day - timedelta(days=day.weekday())


def week_findings(campaign, week):
    """The campaign's findings recorded in the week from `week` (a Monday, local time)."""
    tz = timezone.get_current_timezone()
    since = datetime.combine(week, time.min, tzinfo=tz)
    return Finding.objects.filter(campaign=campaign, at__gte=since, at__lt=since + timedelta(days=7))


def sample(campaign, week, size, seed):
    """Ids of `size` findings of the week, ordered by md5(seed:id): random for a fresh seed, the same for the same."""
    key = MD5(Concat(Value(f"{seed}:"), Cast("pk", CharField())))
    return list(
        week_findings(campaign, week)
        .annotate(draw_key=key)
        .order_by("draw_key", "pk")
        .values_list("pk", flat=True)[:size]
    )


def draw(campaign, user, week, size, seed=None):
    """Draw and store the week's sample (once a week per campaign), by the community's managers."""
    if not policy.reaches_community(user, "cocreate.add_spotcheck", campaign.community):
        raise PermissionDenied(policy.denied_message("add", SpotCheck))
    errors = {}
    if week != monday(week):
        errors["week"] = gettext("A week is given by its Monday.")
    elif not monday(campaign.start) <= week <= campaign.end:
        errors["week"] = gettext("The week lies outside the campaign's period.")
    elif week > timezone.localdate():
        errors["week"] = gettext("The week is still to come.")
    if not 1 <= size <= MAX_SAMPLE:
        errors["size"] = gettext("Sample between 1 and %(max)s findings.") % {"max": MAX_SAMPLE}
    if errors:
        raise ValidationError(errors)
    seed = secrets.randbits(62) if seed is None else seed
    ids = sample(campaign, week, size, seed)
    if not ids:
        raise ValidationError({"week": gettext("No findings were recorded in that week.")})
    try:
        with transaction.atomic():
            check = SpotCheck.objects.create(campaign=campaign, week=week, size=size, seed=seed, drawn_by=user)
            SpotCheckItem.objects.bulk_create(SpotCheckItem(spot_check=check, finding_id=i) for i in ids)
    except IntegrityError:
        raise ValidationError({"week": gettext("That week's sample is already drawn.")})
    return check


def record(item, user, result, note=""):
    """Pass or fail for one sampled finding, by the community's managers."""
    campaign = item.spot_check.campaign
    if not policy.reaches_community(user, "cocreate.change_spotcheck", campaign.community):
        raise PermissionDenied(policy.denied_message("change", SpotCheck))
    if result not in SpotCheckItem.Result.values:
        raise ValidationError({"result": gettext("Choose pass or fail.")})
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": gettext("At most 300 characters.")})
    if result == SpotCheckItem.Result.FAIL and not note:
        raise ValidationError({"note": gettext("Say what failed the check.")})
    with transaction.atomic():
        # A recorded check stands: the board is public and the ranked community's managers record the checks, so a
        # fail is not turned into a pass afterwards. Saved through the model, so the audit trail keeps each result.
        item = SpotCheckItem.objects.select_for_update().get(pk=item.pk)
        if item.result:
            raise ValidationError(
                {"result": gettext("This finding's check is already recorded; it cannot be changed.")}
            )
        item.result, item.note, item.checked_by, item.checked_at = result, note, user, timezone.now()
        item.save(update_fields=["result", "note", "checked_by", "checked_at"])
    return item


# --- 红黑榜 -----------------------------------------------------------------------------------------------------------
@dataclass
class BoardRow:
    community_id: int
    name: str
    found: int
    closed: int
    due: int
    on_time: int
    checked: int
    passed: int
    mark: str = ""  # "red", "black" or ""

    @staticmethod
    def rate(part, whole):
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def closure_rate(self):
        return self.rate(self.closed, self.found)

    @property
    def on_time_rate(self):
        return self.rate(self.on_time, self.due)

    @property
    def pass_rate(self):
        return self.rate(self.passed, self.checked)

    def score(self):
        return tuple(-1.0 if r is None else r for r in (self.closure_rate, self.on_time_rate, self.pass_rate))


def wave(campaign):
    """The campaigns of the campaign's street whose periods overlap its own (the same 整治月 in sibling communities)."""
    return Campaign.objects.filter(
        community__street=campaign.community.street_id, start__lte=campaign.end, end__gte=campaign.start
    )


def board(campaign, now=None):
    """The red/black board of the campaign's wave: a row per community, best first; the best third red, the worst
    third black once two or more communities have findings (communities without findings are listed, unranked).
    Two grouped queries."""
    from cases.models import CLOCK_STATES, State

    now = now or timezone.now()
    campaigns = wave(campaign)
    closed = Q(case__state=State.CLOSED)
    due = Q(case__deadline_at__isnull=False) & (closed | Q(case__state__in=CLOCK_STATES, case__deadline_at__lt=now))
    on_time = closed & Q(case__deadline_at__isnull=False, case__closed_at__lte=F("case__deadline_at"))
    found = {
        r["campaign__community"]: r
        for r in Finding.objects.filter(campaign__in=campaigns)
        .values("campaign__community")
        .annotate(
            found=Count("pk"),
            closed=Count("pk", filter=closed),
            due=Count("pk", filter=due),
            on_time=Count("pk", filter=on_time),
        )
    }
    checks = {
        r["spot_check__campaign__community"]: r
        for r in SpotCheckItem.objects.filter(spot_check__campaign__in=campaigns)
        .exclude(result="")
        .values("spot_check__campaign__community")
        .annotate(checked=Count("pk"), passed=Count("pk", filter=Q(result=SpotCheckItem.Result.PASS)))
    }
    names = dict(campaigns.values_list("community", "community__name").distinct())
    rows = []
    for pk, name in names.items():
        f, c = found.get(pk, {}), checks.get(pk, {})
        rows.append(
            BoardRow(
                pk,
                name,
                f.get("found", 0),
                f.get("closed", 0),
                f.get("due", 0),
                f.get("on_time", 0),
                c.get("checked", 0),
                c.get("passed", 0),
            )
        )
    ranked = sorted((r for r in rows if r.found), key=lambda r: (r.score(), -r.community_id), reverse=True)
    if len(ranked) >= 2:  # one community alone is not ranked against anybody
        third = math.ceil(len(ranked) / 3)
        for r in ranked[:third]:
            r.mark = "red"
        for r in ranked[-third:]:
            r.mark = "black"
    return ranked + sorted((r for r in rows if not r.found), key=lambda r: r.name)
