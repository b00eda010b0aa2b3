"""Run the schedule: live ingest after arXiv's announcement, embeddings, digests (paperboy/ops/worker.py)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from paperboy.ops import worker
from paperboy.ops.schedule import next_ingest_at


class Command(BaseCommand):
    help = (
        "Run scheduled jobs: live ingest after 20:00 US-Eastern Sunday to Thursday, embedding of new papers, "
        "digests. Several workers may run: each job slot is claimed in the database by one of them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass over the schedule, then exit")
        parser.add_argument(
            "--tick-seconds",
            type=int,
            default=None,
            help="Seconds between passes (PAPERBOY_WORKER_TICK_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            self.stdout.write(f"signal {signum}: finishing the current job, then stopping")
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        tick_seconds = options["tick_seconds"] or settings.WORKER_TICK_SECONDS
        me = worker.worker_id()
        self.stdout.write(
            f"worker {me}: next ingest at {next_ingest_at(timezone.now(), delay_minutes=settings.INGEST_DELAY_MINUTES, holidays=worker.holidays()):%Y-%m-%d %H:%M} UTC"
        )
        while not stop.is_set():
            close_old_connections()
            for run in worker.tick(claimed_by=me):
                self.stdout.write(
                    f"{run.job} {run.slot:%Y-%m-%d %H:%M} {run.status} new={run.new_paper_count} "
                    f"{run.message.splitlines()[0] if run.message else ''}"
                )
            close_old_connections()
            if options["once"]:
                break
            stop.wait(tick_seconds)
        self.stdout.write("worker stopped")
