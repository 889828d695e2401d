import os
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.management.commands.backup import pg_env_and_args


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into a database (by default the configured one; it must be empty)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--database-name", help="restore into this database of the same server instead")
        parser.add_argument("--create", action="store_true", help="create that database first")

    def handle(self, file, database_name=None, create=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no backup file at {path}")
        db = settings.DATABASES["default"]
        target = database_name or db["NAME"]
        env, args = pg_env_and_args(db)
        env = {**os.environ, **env}
        if create:
            made = subprocess.run(["createdb", *args, target], env=env, capture_output=True, text=True)
            if made.returncode != 0:
                raise CommandError(f"createdb failed: {made.stderr.strip()}")
        result = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *args,
                "-d",
                target,
                str(path),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        self.stdout.write(f"restored {path} into {target}")
