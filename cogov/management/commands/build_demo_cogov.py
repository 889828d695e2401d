from django.core.management.base import BaseCommand

from cogov import demo


class Command(BaseCommand):
    help = "Demo co-governance data for the demo city: points rules and entries, points shop, ratings, boards."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, seed, **options):
        demo.build(seed=seed, stdout=self.stdout)
