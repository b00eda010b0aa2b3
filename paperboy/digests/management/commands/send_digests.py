"""Send the digests that are due: once by default, or every DIGEST_LOOP_INTERVAL_SECONDS with --loop."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from paperboy.digests.models import Subscriber
from paperboy.digests.services import run_digests


def _date(value: str) -> dt.date:
    """argparse type: a real calendar day written YYYY-MM-DD (a usage error otherwise, no traceback)."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day written YYYY-MM-DD") from None


def _positive(value: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {number})")
    return number


class Command(BaseCommand):
    help = (
        "Send due digest e-mails exactly once per stream and edition. "
        f"--loop repeats every {settings.DIGEST_LOOP_INTERVAL_SECONDS} s (PAPERBOY_DIGEST_LOOP_INTERVAL_SECONDS) "
        "until SIGTERM/SIGINT, finishing the e-mails already claimed (at most one batch) first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Run as a worker until SIGTERM.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send nothing.")
        parser.add_argument(
            "--date", type=_date, help="Send the editions of this day (YYYY-MM-DD) to everyone."
        )
        parser.add_argument("--to", help="Only this e-mail address.")
        parser.add_argument("--limit", type=_positive, help="At most this many e-mails per pass.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["to"] and not Subscriber.objects.filter(email=options["to"].strip().lower()).exists():
            raise CommandError(f"no subscriber with the e-mail address {options['to']!r}; nothing was sent")
        self.stopping = False
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        if options["loop"]:
            for sig in previous:
                signal.signal(sig, self._on_signal)
        try:
            self._passes(options)
        finally:
            if options["loop"]:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    def _passes(self, options: dict[str, Any]) -> None:
        while True:
            result = run_digests(
                edition_on=options["date"],
                dry_run=options["dry_run"],
                to=options["to"],
                limit=options["limit"],
                stop=lambda: self.stopping,
                out=self.stdout.write,
            )
            self.stdout.write(result.summary())
            if not options["loop"]:
                if result.aborted:
                    raise CommandError(
                        "stopped: the mail server failed repeatedly; failed e-mails are retried next run"
                    )
                return
            close_old_connections()  # a long-lived worker must not keep a broken or stale connection
            deadline = time.monotonic() + settings.DIGEST_LOOP_INTERVAL_SECONDS
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(1)
            if self.stopping:
                self.stdout.write("stopping on signal")
                return

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True
