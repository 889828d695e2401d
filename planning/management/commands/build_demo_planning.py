"""Demo renovation planning for the demo city (district 420199): compound records, a demolition plan,
two zones and their projects (one at its public notice, one in its consent survey). Seeded and loaded once:
a second run leaves them as they are."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from common.geometry import as_multipolygon, metric_srid_for, to_metric
from grids.models import Compound
from planning import eligibility, stats
from planning import services as zone_services
from planning.consent import households_inside
from planning.models import CompoundRecord, DemolitionPlan, Item, Project, Vote, Zone
from planning.workflow import advance

DISTRICT = "420199"
ZONE_NAMES = ("滨江老旧小区连片改造片区", "城北片区")
ITEMS = [
    ("雨污分流管网改造", "basic", "320", "m", "480000", {"fund_government": "380000", "fund_utilities": "100000"}),
    ("强弱电线缆规整入管", "basic", "1", "项", "260000", {"fund_government": "200000", "fund_utilities": "60000"}),
    (
        "屋面防水及外墙修缮",
        "complete",
        "5200",
        "m²",
        "936000",
        {"fund_government": "836000", "fund_residents": "100000"},
    ),
    ("电动自行车充电车棚", "complete", "4", "处", "160000", {"fund_social": "160000"}),
    ("口袋公园及健身步道", "upgrade", "1800", "m²", "540000", {"fund_government": "450000", "fund_residents": "90000"}),
]


class Command(BaseCommand):
    help = "Demo renovation zones and projects for the demo city (seeded; loaded once)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    @transaction.atomic
    def handle(self, seed, **options):
        rng = random.Random(seed)
        compounds = list(Compound.objects.filter(community__street__district__code=DISTRICT).order_by("pk"))
        if not compounds:
            self.stdout.write("no demo city: run build_demo_city first")
            return
        if Zone.objects.filter(name__in=ZONE_NAMES).count() == len(ZONE_NAMES):
            # Later demo data (co-creation contributions, votes) refer to these projects: keep them.
            self.stdout.write("demo renovation zones already loaded")
            return
        Project.objects.filter(zone__name__in=ZONE_NAMES).delete()
        Zone.objects.filter(name__in=ZONE_NAMES).delete()
        DemolitionPlan.objects.filter(name__startswith="演示").delete()
        planner = self.groups_and_planner()

        for c in compounds:
            CompoundRecord.objects.update_or_create(
                compound=c, defaults={"fee_collection_pct": Decimal(rng.randint(35, 95)), "state_owned_land": True}
            )
        # Compounds whose buildings pass the year and storey rules: candidates for the published project.
        passing = [
            c for c in compounds if eligibility.rule_built_before(c).passed and eligibility.rule_multi_storey(c).passed
        ]
        passing_ids = {c.pk for c in passing}
        first, near = (passing or compounds)[0], []
        for c in passing:
            near = [n for n in stats.adjacent_compounds(c.boundary, 60, exclude=[c.pk]) if n.pk in passing_ids]
            if near:
                first = c
                break
        bundle = [first, *near[:1]]
        CompoundRecord.objects.filter(compound__in=bundle).update(fee_collection_pct=Decimal("72"))

        zone = Zone(name=ZONE_NAMES[0], boundary=stats.union_of([c.pk for c in bundle], buffer_m=20), buffer_m=20)
        zone.full_clean()
        zone.save()
        zone_services.refresh_statistics(zone)  # the demo's figures at once (the command is one transaction)
        project = Project.objects.create(
            zone=zone,
            name="滨江老旧小区改造（一期）",
            description="集中连片改造：补齐基础设施短板，完善停车充电，提升公共空间。",
            start_on=timezone.localdate() + timedelta(days=30),
            finish_on=timezone.localdate() + timedelta(days=240),
        )
        for name, cls, qty, unit, cost, funds in ITEMS:
            Item.objects.create(
                project=project,
                name=name,
                item_class=cls,
                quantity=Decimal(qty),
                unit=unit,
                cost_estimate=Decimal(cost),
                **{k: Decimal(v) for k, v in funds.items()},
            )
        self.votes(rng, project, agree=0.86)
        for _ in range(4):
            project = advance(project, planner)

        # A second zone drawn around another compound, still in its consent survey; part of it is in a demolition plan.
        other = next((c for c in compounds if c.pk not in {b.pk for b in bundle} and c not in near), compounds[-1])
        srid = metric_srid_for(other.boundary)
        drawn = to_metric(other.boundary, srid).envelope.buffer(15, 1)
        drawn.transform(4326)
        zone2 = Zone(name=ZONE_NAMES[1], boundary=as_multipolygon(drawn))
        zone2.full_clean()
        zone2.save()
        zone_services.refresh_statistics(zone2)
        corner = to_metric(other.boundary, srid).envelope
        x0, y0, x1, y1 = corner.extent
        plan = corner.__class__.from_bbox((x0, y0, x0 + (x1 - x0) / 3, y1))
        plan.srid = srid
        plan.transform(4326)
        DemolitionPlan.objects.create(name="演示：城北征收范围", area=as_multipolygon(plan), until_year=2030)
        project2 = Project.objects.create(zone=zone2, name="城北片区改造")
        project2 = advance(project2, planner)
        self.votes(rng, project2, agree=0.5, share=0.6)
        self.stdout.write(
            f"renovation: 2 zones, projects at {project.get_stage_display()} and {project2.get_stage_display()}"
        )

    def votes(self, rng, project, agree, share=0.95):
        rows = []
        for h in households_inside(project.zone.boundary).order_by("pk"):
            if rng.random() > share:
                continue
            r = rng.random()
            choice = Vote.Choice.AGREE if r < agree else (Vote.Choice.DISAGREE if r < agree + 0.08 else "abstain")
            channel = Vote.Channel.WORKER if rng.random() < 0.7 else Vote.Channel.RESIDENT
            rows.append(Vote(project=project, household=h, choice=choice, channel=channel))
        Vote.objects.bulk_create(rows)

    def groups_and_planner(self):
        planners, _ = Group.objects.get_or_create(name="planners")
        planners.permissions.add(*Permission.objects.filter(content_type__app_label="planning"))
        workers, _ = Group.objects.get_or_create(name="grid workers")
        workers.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="planning", codename__in=["add_vote", "view_vote", "view_project"]
            )
        )
        User = get_user_model()
        planner, _ = User.objects.get_or_create(username="planner", defaults={"first_name": "规划师"})
        planner.groups.add(planners)
        return User.objects.get(pk=planner.pk)
