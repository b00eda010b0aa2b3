"""Replace the database with a backup made by `manage.py backup` (paperboy/ops/services.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from paperboy.ops.services import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace ALL data in the configured database with a backup (SQLite file or pg_dump archive). "
        "Stop the web server and the worker first; run `manage.py migrate` afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Backup file made by `manage.py backup`")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore into a PostgreSQL database even while other sessions (web server, worker) use it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        name = connection.settings_dict["NAME"]
        if options["interactive"]:
            answer = input(
                f"This replaces every row of the {connection.vendor} database {name} with {path}. Type 'yes': "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled")
        try:
            result = restore(path, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {result.path} into {result.engine} database {name} in {result.seconds:.1f} s; "
            "now run `manage.py migrate` if the backup is from an older release"
        )
