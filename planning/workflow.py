"""Project stages and their gates; item changes after the public notice are logged as design changes."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from planning.eligibility import check_project
from planning.models import STAGE_ORDER, DesignChange, Item, Project, Stage, StageChange

# Gates other apps add: callables (project, to_stage) -> list of problems (cocreate: the residents' evaluation
# before final acceptance).
EXTRA_GATES = []


def gate_problems(project, to_stage):
    """Why the project cannot move to to_stage (empty when it can)."""
    problems = []
    if to_stage == Stage.PUBLICATION:
        results = check_project(project)
        if not results:
            problems.append(gettext("The zone holds no compound, so eligibility cannot pass."))
        for compound, rules, passed in results:
            if not passed:
                failed = "; ".join(f"{r.label}: {r.reason}" for r in rules if not r.passed)
                problems.append(
                    gettext("%(compound)s is not eligible (%(failed)s).") % {"compound": compound, "failed": failed}
                )
        if not project.items.exists():
            problems.append(gettext("The plan has no renovation items yet."))
    elif to_stage == Stage.APPROVAL:
        if project.comments_open():
            problems.append(
                gettext("The public notice is open for comments until %(day)s.") % {"day": project.comments_until}
            )
    elif to_stage == Stage.ACCEPTANCE:
        if not project.acceptances.filter(photos__isnull=False).exists():
            problems.append(gettext("Completion acceptance needs an acceptance record with photos."))
    for gate in EXTRA_GATES:
        problems.extend(gate(project, to_stage))
    return problems


def next_stage(project):
    i = project.stage_index
    return STAGE_ORDER[i + 1] if i + 1 < len(STAGE_ORDER) else None


def advance(project, user):
    """Move the project one stage on, or raise ValidationError listing every unmet gate."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        to_stage = next_stage(project)
        if to_stage is None:
            raise ValidationError(gettext("The project is already in its last stage."))
        problems = gate_problems(project, to_stage)
        if problems:
            raise ValidationError(problems)
        StageChange.objects.create(project=project, from_stage=project.stage, to_stage=to_stage, by=user)
        project.stage = to_stage
        if to_stage == Stage.PUBLICATION:
            project.published_on = timezone.localdate()
        project.save(update_fields=["stage", "published_on", "updated_at"])
    return project


def _num(value):
    return f"{Decimal(value).normalize():f}"


def _describe(item):
    text = gettext("%(name)s (%(cls)s): %(qty)s %(unit)s, %(cost)s yuan") % {
        "name": item.name,
        "cls": item.get_item_class_display(),
        "qty": _num(item.quantity),
        "unit": item.unit,
        "cost": _num(item.cost_estimate),
    }
    # Who pays is part of the published plan: a change of funding is a design change too.
    funding = [
        f"{Item._meta.get_field(f).verbose_name} {_num(getattr(item, f))}" for f in Item.FUNDING if getattr(item, f)
    ]
    return f"{text}; {', '.join(str(x) for x in funding)}" if funding else text


def save_item(item, user):
    """Validate and save an item; after the public notice the change is logged for the public page."""
    item.full_clean()
    with transaction.atomic():
        before = Item.objects.filter(pk=item.pk).first() if item.pk else None
        item.save()
        if item.project.is_published and (before is None or _describe(before) != _describe(item)):
            if before is None:
                text = gettext("Added %(item)s") % {"item": _describe(item)}
            else:
                text = gettext("Changed %(before)s → %(after)s") % {
                    "before": _describe(before),
                    "after": _describe(item),
                }
            DesignChange.objects.create(project=item.project, by=user, description=text[:300])
    return item


def delete_item(item, user):
    with transaction.atomic():
        if item.project.is_published:
            DesignChange.objects.create(
                project=item.project,
                by=user,
                description=(gettext("Removed %(item)s") % {"item": _describe(item)})[:300],
            )
        item.delete()
