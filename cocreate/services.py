"""共谋 and 共建: posting and supporting needs, meetings and their decisions, contributions and their points.

Every write is one transaction: a refused decision leaves neither its task, nor its case, nor its item behind.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from accounts import policy
from cocreate.models import Decision, Meeting, Need, NeedPhoto, NeedSupport, Task


def _signed_in(user):
    if not user or not user.is_authenticated:
        raise PermissionDenied(gettext("Sign in to post or support a need."))


def post_need(user, *, title, description, location, topic=Need.Topic.OTHER, photos=()):
    """A resident or worker posts a need at a place, with photos: checked from their headers here, re-encoded
    without metadata by the worker (cases/photos.py; pending until then)."""
    from cases.photos import check_photos, keep

    _signed_in(user)
    need = Need(
        title=(title or "").strip(),
        description=(description or "").strip(),
        location=location,
        topic=topic,
        author=user,
    )
    errors = {}
    try:
        need.full_clean(exclude=["community", "cell"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        images = check_photos(photos)
    except ValidationError as exc:
        errors["photos"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        need.save()
        keep(NeedPhoto, images, need=need)
    return need


def support(need, user):
    """Support a need; each person once. Returns True when counted now, False when already counted."""
    _signed_in(user)
    with transaction.atomic():
        try:
            with transaction.atomic():
                NeedSupport.objects.create(need=need, user=user)
        except IntegrityError:
            return False
        Need.objects.filter(pk=need.pk).update(supporters=F("supporters") + 1)
    return True


def _may_run(user, meeting):
    if not policy.allows(user, "change", meeting):
        raise PermissionDenied(policy.denied_message("change", meeting))


def set_agenda(meeting, user, needs):
    """Put needs of the meeting's community on its agenda (their status follows)."""
    _may_run(user, meeting)
    ids = [n.pk for n in needs]
    wrong = Need.objects.filter(pk__in=ids).exclude(community=meeting.community_id)
    if wrong.exists():
        raise ValidationError({"agenda": gettext("Only needs of the meeting's community go on its agenda.")})
    with transaction.atomic():
        meeting.agenda.add(*ids)
        Need.objects.filter(pk__in=ids, status=Need.Status.OPEN).update(status=Need.Status.ON_AGENDA)


def set_participants(meeting, user, households):
    _may_run(user, meeting)
    ids = [h.pk for h in households]
    from grids.models import Household

    if Household.objects.filter(pk__in=ids).exclude(community=meeting.community_id).exists():
        raise ValidationError({"households": gettext("Participants are households of the meeting's community.")})
    meeting.households.add(*ids)


def decide(
    meeting,
    user,
    *,
    text,
    outcome=Decision.Outcome.NONE,
    need=None,
    votes_for=0,
    votes_against=0,
    owner=None,
    deadline=None,
    category=None,
    location=None,
    item=None,
):
    """Record a decision of the meeting and carry it out in the same transaction:

    - task: a Task with `owner` (an account) and `deadline` (a date);
    - case: a case of `category` at `location` (or the need's place) through the case intake (cases.services);
    - item: a renovation item (a planning.Item, unsaved) of a project, saved through planning's services (after
      the plan's public notice the change is logged as a design change).
    """
    _may_run(user, meeting)
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = gettext("Write down what was decided.")
    if need is not None and need.community_id != meeting.community_id:
        errors["need"] = gettext("The need belongs to another community.")
    if outcome == Decision.Outcome.TASK:
        if owner is None:
            errors["owner"] = gettext("A task needs an owner.")
        if not isinstance(deadline, date):
            errors["deadline"] = gettext("A task needs a deadline.")
        elif deadline < timezone.localtime(meeting.held_at).date():
            errors["deadline"] = gettext("The deadline is before the meeting.")
    elif outcome == Decision.Outcome.CASE:
        if category is None:
            errors["category"] = gettext("A case needs its category.")
        if location is None and need is None:
            errors["location"] = gettext("A case needs a place: the need's, or one on the map.")
    elif outcome == Decision.Outcome.ITEM:
        if item is None:
            errors["item"] = gettext("Describe the renovation item.")
    elif outcome != Decision.Outcome.NONE:
        errors["outcome"] = gettext("Unknown way of carrying out a decision.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        decision = Decision(
            meeting=meeting,
            need=need,
            text=text,
            votes_for=votes_for,
            votes_against=votes_against,
            outcome=outcome,
        )
        decision.full_clean(exclude=["task", "case", "item"])
        if outcome == Decision.Outcome.TASK:
            task = Task(community=meeting.community, title=text[:200], owner=owner, deadline=deadline)
            task.full_clean()
            task.save()
            decision.task = task
        elif outcome == Decision.Outcome.CASE:
            from cases import services as case_services

            case = case_services.submit(
                case_services.Report(
                    kind="problem",
                    category=category,
                    description=gettext("Decided at the meeting “%(meeting)s”: %(text)s")
                    % {"meeting": meeting.title, "text": text},
                    location=location or need.location,
                    reporter=user,
                    source="meeting",
                )
            )
            decision.case = case
        elif outcome == Decision.Outcome.ITEM:
            from planning.workflow import save_item

            if not policy.allows(user, "planning.change_project", item.project):
                raise PermissionDenied(policy.denied_message("change", item.project))
            decision.item = save_item(item, user)
        decision.save()
        if need is not None:
            Need.objects.filter(pk=need.pk).update(status=Need.Status.DECIDED)
    return decision


def finish_task(task, user):
    if not (task.owner_id == user.pk or policy.allows(user, "change", task)):
        raise PermissionDenied(policy.denied_message("change", task))
    Task.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=timezone.now())


def publish(meeting, user):
    """Publish the meeting's record and decisions on the public notice page (公示)."""
    _may_run(user, meeting)
    if not meeting.decisions.exists():
        raise ValidationError(gettext("A meeting is published with its decisions; this one has none yet."))
    if not meeting.record.strip():
        raise ValidationError({"record": gettext("Write the meeting's record before publishing it.")})
    Meeting.objects.filter(pk=meeting.pk).update(published_at=timezone.now())
    meeting.refresh_from_db()
    return meeting


# --- 共建 ---------------------------------------------------------------------------------------------------------
VOLUNTEER_RULE = "volunteer-hour"


def record_contribution(contribution, user):
    """Save a contribution checked against the user's area; volunteer labour by a household earns its points
    under the volunteer rule once (the ledger entry names the contribution as its source)."""
    from cogov.models import PointRule
    from cogov.services import CapReached, grant

    contribution.full_clean()
    with transaction.atomic():
        saved = policy.save_checked(user, "add", lambda: (contribution.save(), contribution)[1])
        rule = PointRule.objects.filter(code=VOLUNTEER_RULE, active=True).first()
        if rule and saved.kind == saved.Kind.LABOUR and saved.household_id and saved.points_entry_id is None:
            try:
                entry = grant(saved.household, rule, source=saved, quantity=saved.hours, by=user)
            except CapReached:  # the month's cap is reached: the contribution stands, without points
                entry = None
            if entry is not None:
                type(saved).objects.filter(pk=saved.pk).update(points_entry=entry)
                saved.points_entry = entry
    return saved
