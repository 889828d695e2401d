from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from grids import split
from grids.models import Community


def community_by_code(code):
    """A community from its 12-digit code: 6 county + 3 street + 3 community."""
    if len(code) != 12 or not code.isdigit():
        raise CommandError(f"community code must have 12 digits (6 county + 3 street + 3 community), got {code!r}")
    found = Community.objects.filter(street__district__code=code[:6], street__code=code[6:9], code=code[9:]).first()
    if found is None:
        raise CommandError(f"no community with code {code}")
    return found


class Command(BaseCommand):
    help = "Split a community into grid cells (--mode square --size M | --mode households --max N); --save to keep."

    def add_arguments(self, parser):
        parser.add_argument("community", help="12-digit community code")
        parser.add_argument("--mode", choices=["square", "households"], default="households")
        parser.add_argument("--size", type=float, default=300.0, help="square size in metres")
        parser.add_argument("--max", dest="max_households", type=int, default=300, help="households per cell")
        parser.add_argument("--save", action="store_true", help="save the cells (otherwise only preview)")
        parser.add_argument("--replace", action="store_true", help="replace the community's existing cells")

    def handle(self, community, mode, size, max_households, save, replace, **options):
        obj = community_by_code(community)
        try:
            proposal = split.propose(obj, mode, size_m=size, max_households=max_households)
            for cell in proposal:
                self.stdout.write(f"{cell.code(obj)}  households={cell.households:5d}  area={cell.area_m2:10.0f} m²")
            if save:
                split.save_split(obj, proposal, replace=replace)
                self.stdout.write(self.style.SUCCESS(f"saved {len(proposal)} cells"))
            else:
                self.stdout.write(f"{len(proposal)} cells proposed (preview only; add --save)")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages))
