from django.core.management.base import BaseCommand

from grids.models import Building, Household


class Command(BaseCommand):
    help = "Assign every household and building to the grid cell covering it (one UPDATE each)."

    def handle(self, **options):
        b = Building.objects.all().assign_cells()
        h = Household.objects.all().assign_cells()
        self.stdout.write(f"buildings: {b}, households: {h}")
