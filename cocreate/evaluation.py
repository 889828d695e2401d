"""共评: the reporter rates a closed case; residents of a renovation zone rate the finished project.

A case rated "not satisfied" goes back to the dispatcher (the case flow's "contest" step: closed → reopened, with
the rater's note). A project leaves completion acceptance only when the share of rating households that are
satisfied or basically satisfied reaches the city's gate (settings.COCREATE["PROJECT_SATISFACTION_GATE_PCT"]).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext

from cocreate.conf import conf
from cocreate.models import CaseRating, ProjectRating, Satisfaction

SATISFIED = Q(level__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])


def may_rate_case(case, user, token=None):
    """The reporter rates: the signed-in account that reported, or whoever holds the tracking address of an
    anonymous report."""
    if case.reporter_id:
        return bool(user and user.is_authenticated and user.pk == case.reporter_id)
    return bool(token) and token == case.token


def rate_case(case, level, user=None, *, note="", token=None):
    """Record the reporter's rating of the case's latest closure; "not satisfied" reopens it for the dispatcher."""
    from cases.models import Case, State
    from cases.workflow import TransitionError, perform

    if level not in Satisfaction.values:
        raise ValidationError({"level": gettext("Choose satisfied, basically satisfied or not satisfied.")})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": gettext("At most 500 characters.")})
    if level == Satisfaction.NOT and not note:
        raise ValidationError({"note": gettext("Say what is still wrong, so the dispatcher can act on it.")})
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if not may_rate_case(case, user, token):
            raise PermissionDenied(gettext("Only the person who reported the case rates it."))
        if case.state != State.CLOSED or case.closed_at is None:
            raise ValidationError({"level": gettext("A case is rated once it is closed.")})
        rating = CaseRating(
            case=case,
            level=level,
            note=note,
            rater=user if user and user.is_authenticated else None,
            closed_at=case.closed_at,
        )
        try:
            with transaction.atomic():
                rating.save()
        except IntegrityError:
            raise ValidationError({"level": gettext("This closure of the case has already been rated.")})
        if level == Satisfaction.NOT:
            try:
                perform(case, "contest", user, note=gettext("Not satisfied: %(note)s") % {"note": note}, token=token)
            except TransitionError as exc:
                raise ValidationError({"level": exc.message})
    return rating


def zone_households(project):
    from grids.models import Household

    return Household.objects.filter(location__coveredby=project.zone.boundary)


def rate_project(project, household, level, *, note="", by=None):
    """One household's rating of the finished project, during completion acceptance (竣工验收), once."""
    from planning.models import Stage

    if level not in Satisfaction.values:
        raise ValidationError({"level": gettext("Choose satisfied, basically satisfied or not satisfied.")})
    if project.stage != Stage.ACCEPTANCE:
        raise ValidationError(
            {"level": gettext("Residents rate a project during its completion acceptance (竣工验收).")}
        )
    if not zone_households(project).filter(pk=household.pk).exists():
        raise ValidationError({"household": gettext("The household does not live in the project's zone.")})
    rating = ProjectRating(project=project, household=household, level=level, note=(note or "").strip(), recorded_by=by)
    rating.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        raise ValidationError({"household": gettext("This household has already rated the project.")})
    return rating


def project_satisfaction(project):
    """(ratings, satisfied or basically, share in %, households of the zone)."""
    counts = ProjectRating.objects.filter(project=project).aggregate(n=Count("pk"), ok=Count("pk", filter=SATISFIED))
    n, ok = counts["n"], counts["ok"]
    return n, ok, (round(100 * ok / n, 1) if n else None), zone_households(project).count()


def satisfaction_gate(project, to_stage):
    from planning.models import Stage

    if to_stage != Stage.MAINTENANCE:
        return []
    gate = conf("PROJECT_SATISFACTION_GATE_PCT")
    n, _ok, share, _households = project_satisfaction(project)
    if not n:
        return [gettext("No household has rated the finished project yet (居民评价).")]
    if share < gate:
        return [
            gettext("%(share)s %% of the rating households are satisfied; final acceptance needs %(gate)s %%.")
            % {"share": share, "gate": gate}
        ]
    return []


def connect_gate():
    from planning import workflow

    if satisfaction_gate not in workflow.EXTRA_GATES:
        workflow.EXTRA_GATES.append(satisfaction_gate)
