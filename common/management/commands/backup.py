import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


def pg_env_and_args(db):
    env = {"PGPASSWORD": db.get("PASSWORD") or ""}
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]
    return env, args


class Command(BaseCommand):
    help = "Back up the database with pg_dump (custom format, compressed) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write (default: .local/backups/gridwork-<time>.dump)")

    def handle(self, output=None, **options):
        if not shutil.which("pg_dump"):
            raise CommandError("pg_dump is not installed (Debian package postgresql-client-15)")
        db = settings.DATABASES["default"]
        out = Path(output or settings.BASE_DIR / ".local" / "backups" / f"gridwork-{timezone.now():%Y%m%d-%H%M%S}.dump")
        out.parent.mkdir(parents=True, exist_ok=True)
        env, args = pg_env_and_args(db)
        import os

        result = subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "--no-privileges", *args, "-f", str(out), db["NAME"]],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            out.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        self.stdout.write(str(out))
