from django.core.management.base import BaseCommand

from cocreate import demo


class Command(BaseCommand):
    help = "Demo co-creation data (needs, a meeting, a campaign, contributions, mediations, ratings); loaded once."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, seed, **options):
        demo.build(seed=seed, stdout=self.stdout)
