from django.core.management.base import BaseCommand
from django.db import transaction

from assets import demo
from assets.models import Asset
from fixtures.demo_city import DISTRICT_CODE


class Command(BaseCommand):
    help = "Load the asset types and build the demo city's assets and adoptions (skipped when loaded, unless --reset)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true", help="delete the demo district's assets first")

    @transaction.atomic
    def handle(self, seed, reset, **options):
        from django.core.management import call_command

        call_command("loaddata", "asset_types", verbosity=0)
        existing = Asset.objects.filter(district__code=DISTRICT_CODE)
        if existing.exists() and not reset:
            self.stdout.write(f"demo assets already loaded ({existing.count()})")
            return
        demo.reset()
        demo.build(seed=seed, stdout=self.stdout)
