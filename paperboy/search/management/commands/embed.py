"""manage.py embed: compute missing or stale paper embeddings in batches (resumable, with progress)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperboy.search.embeddings import BATCH_SIZE
from paperboy.search.semantic import EmbedLocked, embed_lock, embed_pending


class Command(BaseCommand):
    help = (
        "Embed the title + abstract of every paper that has no vector, or a stale one, with all-MiniLM-L6-v2 "
        "and add the vectors to the vector index. Safe to interrupt and run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="embed at most this many papers")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"texts per model call (default {BATCH_SIZE})"
        )
        parser.add_argument(
            "--chunk-size", type=int, default=256, help="papers stored per transaction and index append"
        )
        parser.add_argument(
            "--wait", action="store_true", help="wait for a running embed job instead of exiting"
        )
        parser.add_argument(
            "--no-compact", action="store_true", help="never rebuild the vector index after the run"
        )

    def handle(self, *args: object, **options: object) -> None:
        limit = options["limit"]
        if limit is not None and int(limit) < 0:  # type: ignore[call-overload]
            raise CommandError("--limit must be >= 0")
        try:
            with embed_lock(wait=bool(options["wait"])):
                report = embed_pending(
                    limit=limit,  # type: ignore[arg-type]
                    batch_size=int(options["batch_size"]),  # type: ignore[call-overload]
                    chunk_size=int(options["chunk_size"]),  # type: ignore[call-overload]
                    progress=lambda line: self.stdout.write(line),
                    compact=not options["no_compact"],
                )
        except EmbedLocked as exc:
            self.stdout.write(f"embed: {exc}; nothing done (use --wait to queue behind it)")
            return
        self.stdout.write(
            f"embed: done: {report.embedded} embedded, {report.unchanged} unchanged of "
            f"{report.pending_at_start} pending in {report.seconds:.1f} s ({report.rate:.1f} abstracts/s)"
            + (", index compacted" if report.compacted else "")
        )
