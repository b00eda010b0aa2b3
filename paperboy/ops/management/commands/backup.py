"""Back up the database: SQLite online backup API or pg_dump custom format (paperboy/ops/services.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from paperboy.ops.services import BackupError, backup, default_backup_path, prune_backups


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database while the site runs (SQLite file or pg_dump -Fc "
        "archive, readable by its owner only); with --keep N delete all but the N newest backups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help="Backup file (default: PAPERBOY_BACKUP_DIR/paperboy-YYYYmmdd-HHMMSS.sqlite3 or .pgdump)",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="After the backup, delete all but the N newest paperboy-YYYYmmdd-HHMMSS.* files of its "
            "folder (default PAPERBOY_BACKUP_KEEP; 0 = keep all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keep = settings.BACKUP_KEEP if options["keep"] is None else options["keep"]
        if keep < 0:
            raise CommandError("--keep must be 0 (keep all) or more")
        path = (
            Path(options["path"])
            if options["path"]
            else default_backup_path(timezone.now(), connection.vendor)
        )
        try:
            result = backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"backup written: {result.path} ({result.engine}, {result.size_bytes / 1e6:.1f} MB, {result.seconds:.1f} s)"
        )
        if keep:
            for old in prune_backups(result.path.parent, keep):
                self.stdout.write(f"backup deleted (keeping {keep}): {old}")
