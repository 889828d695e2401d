from django.core.management.base import BaseCommand

from inspections import demo


class Command(BaseCommand):
    help = "Demo inspections (checklists of a community and a week of results); loaded once."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, seed, **options):
        demo.build(seed=seed, stdout=self.stdout)
