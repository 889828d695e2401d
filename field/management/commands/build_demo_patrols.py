from django.core.management.base import BaseCommand

from field import demo


class Command(BaseCommand):
    help = "Demo patrols (tracks round the demo community's cells over the last three days); loaded once."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, seed, **options):
        demo.build(seed=seed, stdout=self.stdout)
