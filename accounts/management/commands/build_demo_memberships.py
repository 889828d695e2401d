"""Every demo staff account gets its role and area, so the demo shows what each role sees.

Grid workers hold the cells assigned to them; community managers their community; one manager per street and
one for the district; the dispatcher (指挥中心) the district; handlers their department; the planner the district;
the demo residents (adopters) a household of their own. Accounts made by the other demo commands are found by
their names; running it again changes nothing. With --password-file, the example accounts listed at the end
get that password (written to the file once), so each role can be tried in the browser.
"""

import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Membership, Role
from grids.models import Community, District, GridAssignment, Household, Street


class Command(BaseCommand):
    help = "Give each demo staff account a role with its area (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--district", default="420199")
        parser.add_argument("--password-file", default="")

    @transaction.atomic
    def handle(self, district, password_file, **options):
        User = get_user_model()
        d = District.objects.filter(code=district).first()
        if d is None:
            self.stderr.write(f"no district {district}: build the demo city first")
            return
        made = 0

        def member(user, role, **area):
            nonlocal made
            _m, created = Membership.objects.get_or_create(user=user, role=role, **area)
            made += created
            return user

        # Grid workers: the cells they hold as primary worker.
        for a in GridAssignment.objects.filter(cell__community__street__district=d, role="primary").select_related(
            "worker"
        ):
            member(a.worker, Role.WORKER, cell_id=a.cell_id)
        # Community managers (linked to their community by the demo city).
        for community in Community.objects.filter(street__district=d).prefetch_related("managers"):
            for manager in community.managers.all():
                member(manager, Role.MANAGER, community=community)
        examples = {}
        for street in Street.objects.filter(district=d).order_by("code"):
            user, _ = User.objects.get_or_create(
                username=f"s{street.full_code}", defaults={"first_name": f"{street.name}管理员"}
            )
            member(user, Role.MANAGER, street=street)
            examples.setdefault("street manager", user)
        head, _ = User.objects.get_or_create(username=f"d{d.code}", defaults={"first_name": f"{d.name}管理员"})
        member(head, Role.MANAGER, district=d)
        examples["district manager"] = head
        dispatcher = User.objects.filter(username="dispatcher").first()
        if dispatcher:
            examples["dispatcher"] = member(dispatcher, Role.DISPATCHER, district=d)
        planner = User.objects.filter(username="planner").first()
        if planner:
            examples["planner"] = member(planner, Role.PLANNER, district=d)
        # Handlers act for the department they are named after (the demo cases' departments).
        for handler in User.objects.filter(username__regex=r"^handler\d+$").order_by("username"):
            examples.setdefault("department handler", member(handler, Role.HANDLER, department=handler.first_name))
        # Demo residents (the adopters): a household each, spread over the district.
        residents = list(User.objects.filter(username__startswith=f"r{d.code}").order_by("username"))
        if residents:
            step = max(1, Household.objects.filter(community__street__district=d).count() // len(residents))
            households = list(
                Household.objects.filter(community__street__district=d).order_by("pk").values_list("pk", flat=True)
            )[::step]
            for user, household in zip(residents, households, strict=False):
                if not Membership.objects.filter(user=user, role=Role.RESIDENT).exists():
                    member(user, Role.RESIDENT, household_id=household)
            examples["resident"] = residents[0]
        worker = User.objects.filter(memberships__role=Role.WORKER).order_by("username").first()
        if worker:
            examples["grid worker"] = worker
        manager = User.objects.filter(memberships__role=Role.MANAGER, memberships__community__isnull=False).order_by(
            "username"
        )
        if manager.exists():
            examples["community manager"] = manager.first()
        self.stdout.write(f"{made} memberships added")
        if password_file:
            path = Path(password_file)
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(secrets.token_urlsafe(12) + "\n")
                path.chmod(0o600)
            password = path.read_text().strip()
            for role, user in examples.items():
                if not user.check_password(password):
                    user.set_password(password)
                    user.save(update_fields=["password"])
                self.stdout.write(f"  {role:20} {user.username}")
