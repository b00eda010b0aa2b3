"""Back up the database: SQLite online backup API or pg_dump custom format (paperboy/ops/services.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from paperboy.ops.services import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database while the site runs (SQLite file or pg_dump -Fc archive)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help="Backup file (default: DATA_DIR/backups/paperboy-YYYYmmdd-HHMMSS.sqlite3 or .pgdump)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings
        from django.db import connection

        if options["path"]:
            path = Path(options["path"])
        else:
            suffix = "sqlite3" if connection.vendor == "sqlite" else "pgdump"
            path = Path(settings.DATA_DIR) / "backups" / f"paperboy-{timezone.now():%Y%m%d-%H%M%S}.{suffix}"
        try:
            result = backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"backup written: {result.path} ({result.engine}, {result.size_bytes / 1e6:.1f} MB, {result.seconds:.1f} s)"
        )
