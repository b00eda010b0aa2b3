"""``manage.py ingest FORMAT PATH...``: import papers from files, folders or (``--live``) the live source."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperboy.ingest.fetch import FetchError
from paperboy.ingest.parsers import FORMATS
from paperboy.ingest.parsers.base import SourceError
from paperboy.ingest.services import guess_format, run_ingest


class Command(BaseCommand):
    help = (
        "Import papers. FORMAT is one of hf, atom, oai, feed, jsonl, listing or auto. "
        "Prints a one-line summary; exits non-zero when a record failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=[*FORMATS, "auto"])
        parser.add_argument("paths", nargs="*", help="Files or folders (.gz read transparently)")
        parser.add_argument("--live", action="store_true", help="Fetch from the live source (politely)")
        parser.add_argument("--date", help="hf: featured day YYYY-MM-DD")
        parser.add_argument("--week", help="hf: ISO week, e.g. 2025-W16")
        parser.add_argument("--month", help="hf: month, e.g. 2025-04")
        parser.add_argument("--category", help="feed: category (cs.AI); oai: set (cs, physics:hep-th)")
        parser.add_argument("--query", help="atom: arXiv API search_query, e.g. 'cat:cs.CL AND ti:llm'")
        parser.add_argument(
            "--id", dest="ids", action="append", help="atom: arXiv id (repeatable); oai: GetRecord"
        )
        parser.add_argument("--from", dest="from_date", help="oai: from datestamp YYYY-MM-DD")
        parser.add_argument("--until", dest="until_date", help="oai: until datestamp YYYY-MM-DD")
        parser.add_argument(
            "--prefix", default="arXiv", choices=["arXiv", "arXivRaw"], help="oai: metadataPrefix"
        )
        parser.add_argument("--max-results", type=int, help="atom: total records to fetch")
        parser.add_argument("--limit", type=int, help="Stop after this many records")
        parser.add_argument("--dry-run", action="store_true", help="Parse and check, then roll back")
        parser.add_argument("--quiet", action="store_true", help="No progress lines")
        parser.add_argument("--no-index", action="store_true", help="Do not update the search index")

    def handle(self, *args: Any, **options: Any) -> None:
        source_format = options["format"]
        paths = [Path(p) for p in options["paths"]]
        live = options["live"]
        if live and paths:
            raise CommandError("give either paths or --live, not both")
        if not live and not paths:
            raise CommandError("give at least one file or folder, or --live")
        if source_format == "auto":
            if live:
                raise CommandError("--live needs an explicit format")
            try:
                source_format = guess_format(paths[0])
            except (ValueError, OSError) as exc:
                raise CommandError(str(exc)) from exc
        for path in paths:
            if not path.exists():
                raise CommandError(f"no such file or folder: {path}")
        live_options = {
            key: options[key]
            for key in (
                "date",
                "week",
                "month",
                "category",
                "query",
                "ids",
                "from_date",
                "until_date",
                "max_results",
            )
            if options.get(key)
        }
        if live and source_format == "oai":
            live_options["prefix"] = options["prefix"]
        for key in ("date", "from_date", "until_date"):
            if key in live_options:
                try:
                    dt.date.fromisoformat(live_options[key])
                except ValueError as exc:
                    raise CommandError(
                        f"--{key.split('_')[0]}: not a date YYYY-MM-DD: {live_options[key]}"
                    ) from exc
        try:
            result = run_ingest(
                source_format,
                paths,
                live=live,
                live_options=live_options,
                limit=options["limit"],
                dry_run=options["dry_run"],
                progress=None if options["quiet"] else sys.stderr,
                index=not options["no_index"],
            )
        except (ValueError, FileNotFoundError, FetchError, SourceError) as exc:
            raise CommandError(f"ingest failed: {exc}") from exc
        for error in result.errors[:20]:
            self.stderr.write(f"skipped {error['position']}: {error['reason']}")
        if len(result.errors) > 20:
            self.stderr.write(f"... and {result.failed - 20} more (see the IngestRun in the admin)")
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(prefix + result.summary())
        if result.failed:
            raise CommandError(f"{result.failed} record(s) failed")
