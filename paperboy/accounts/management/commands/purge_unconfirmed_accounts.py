"""Delete sign-ups whose e-mail address was never confirmed, once their link has expired.

Frees the usernames they held. Run daily from cron: ``manage.py purge_unconfirmed_accounts``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from paperboy.accounts.services import purge_unconfirmed_accounts


class Command(BaseCommand):
    help = "Delete accounts whose e-mail address was not confirmed before the confirmation link expired."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count the accounts.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_unconfirmed_accounts(dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(f"purge_unconfirmed_accounts: {verb} {count} unconfirmed account(s)")
