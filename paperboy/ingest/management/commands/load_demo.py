"""``manage.py load_demo``: import the demo corpus (settings.DEMO_DIR/manifest.json) into an empty database."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperboy.ingest.models import IngestRun
from paperboy.ingest.parsers import FORMATS
from paperboy.ingest.services import run_ingest
from paperboy.papers.models import Paper


class Command(BaseCommand):
    help = (
        "Import every file listed in DEMO_DIR/manifest.json ([{format, path}]) that has not been imported "
        "successfully yet (or all of them with --force), then rebuild the search index once. Idempotent: "
        "re-importing changes nothing, and an interrupted import is completed by the next run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Import even when papers exist")
        parser.add_argument("--dir", type=Path, help="Demo folder (default: settings.DEMO_DIR)")
        parser.add_argument("--quiet", action="store_true", help="No progress lines")

    def handle(self, *args: Any, **options: Any) -> None:
        demo_dir = Path(options["dir"] or settings.DEMO_DIR)
        manifest_path = demo_dir / "manifest.json"
        if not manifest_path.is_file():
            raise CommandError(f"no demo manifest at {manifest_path}")
        try:
            manifest = json.loads(manifest_path.read_text())
        except ValueError as exc:
            raise CommandError(f"{manifest_path}: not JSON: {exc}") from exc
        done = set(
            IngestRun.objects.filter(
                status__in=[IngestRun.Status.SUCCESS, IngestRun.Status.PARTIAL]
            ).values_list("location", flat=True)
        )
        pending = [e for e in manifest if options["force"] or str(demo_dir / str(e.get("path"))) not in done]
        if not pending:
            self.stdout.write(
                f"load_demo: the demo corpus is already imported ({Paper.objects.count():,} papers); "
                "skipped (--force to import again)"
            )
            return
        failed = 0
        for entry in pending:
            source_format, rel = entry.get("format"), entry.get("path")
            if source_format not in FORMATS or not rel:
                raise CommandError(f"{manifest_path}: bad entry {entry!r}")
            path = demo_dir / rel
            if not path.exists():
                raise CommandError(f"{manifest_path}: missing file {path}")
            result = run_ingest(
                source_format,
                path,
                progress=None if options["quiet"] else sys.stderr,
                index=False,
                demo=True,
            )
            self.stdout.write(f"load_demo: {result.summary()}")
            for error in result.errors[:5]:
                self.stderr.write(f"  skipped {error['position']}: {error['reason']}")
            failed += result.failed
        from paperboy.search import rebuild_index

        self.stdout.write("load_demo: building the search index…")
        started = time.monotonic()
        count = rebuild_index()
        self.stdout.write(
            f"load_demo: search index built: {count:,} papers in {time.monotonic() - started:.1f} s"
        )
        if failed:
            raise CommandError(f"load_demo: {failed} record(s) failed")
