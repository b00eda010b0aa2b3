"""Rebuild the keyword search index from the database (new folder, swapped in atomically)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from paperboy.search.services import keyword_index, rebuild_index


class Command(BaseCommand):
    help = "Rebuild the keyword search index (BM25, tantivy) from every paper; readers never see a partial index."

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        count = rebuild_index()
        self.stdout.write(
            f"Indexed {count:,} papers into {keyword_index().root} in {time.perf_counter() - started:.1f} s"
        )
