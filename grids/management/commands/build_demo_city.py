from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from grids import demo
from grids.models import Community, District, GridCell, Household


class Command(BaseCommand):
    help = "Build the deterministic demo city (skipped when it is already loaded, unless --reset)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--households-per-cell", type=int, default=300)
        parser.add_argument("--reset", action="store_true", help="delete the demo district first")

    @transaction.atomic
    def handle(self, seed, households_per_cell, reset, **options):
        existing = District.objects.filter(code=demo.DISTRICT_CODE).first()
        if existing and not reset:
            self.stdout.write(f"demo city {existing} already loaded")
            return
        if existing:
            with transaction.atomic():
                communities = Community.objects.filter(street__district=existing)
                Household.objects.filter(community__in=communities).delete()
                from grids.models import Building, Compound, GridAssignment, Street

                Building.objects.filter(community__in=communities).delete()
                Compound.objects.filter(community__in=communities).delete()
                GridAssignment.objects.filter(cell__community__in=communities).delete()
                get_user_model().objects.filter(username__startswith=f"w{existing.code}").delete()
                GridCell.objects.filter(community__in=communities).delete()
                communities.delete()
                Street.objects.filter(district=existing).delete()
                existing.delete()
        get_user_model().objects.filter(username__startswith=f"w{demo.DISTRICT_CODE}", grid_assignments=None).delete()
        demo.build(seed=seed, households_per_cell=households_per_cell, stdout=self.stdout)
