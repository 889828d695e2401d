"""manage.py case_partitions [--ahead N] [--since YYYY-MM]: make the monthly partitions of the case steps.

Idempotent; rows already in the default partition for a month being made are moved into it. Prints the partitions
made and how many rows the default partition still holds (steps dated beyond the months made).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from cases import partitions


class Command(BaseCommand):
    help = "Make the monthly partitions of the case steps from this month (or --since) to --ahead months later."

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=partitions.AHEAD_DEFAULT, help="months after this one")
        parser.add_argument("--since", default="", help="first month to make, YYYY-MM (default: this month)")

    def handle(self, *args, ahead, since, **options):
        if not partitions.is_partitioned():
            raise CommandError("cases_caseevent is not partitioned (migrate cases first).")
        if not 0 <= ahead <= 120:
            raise CommandError("--ahead must be between 0 and 120 months.")
        first = None
        if since:
            try:
                first = datetime.datetime.strptime(since, "%Y-%m").date()
            except ValueError as exc:
                raise CommandError("--since must be YYYY-MM, e.g. 2021-01.") from exc
        made = partitions.ensure(ahead=ahead, since=first)
        for name in made:
            self.stdout.write(f"made {name}")
        self.stdout.write(
            f"{len(partitions.existing())} partitions; {partitions.default_rows()} steps in the default partition"
        )
