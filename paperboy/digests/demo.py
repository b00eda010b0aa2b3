"""Load a few days of the demo corpus (demo/ in the repository) for previews, tests and the benchmark.

Not an importer: the ingest app owns importing (``load_demo``). This reads two demo files through
``papers.services.upsert_paper`` so digests can be exercised on real papers before that lands.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from paperboy.lib.arxiv_ids import InvalidArxivId, normalize_arxiv_id
from paperboy.papers.services import PaperRecord, upsert_paper

HF_FILE = "hf-daily-papers-hfbot-2026-02.jsonl.gz"
ARXIV_FILE = "arxiv-cs-daily-2025-10-to-2026-03.jsonl.gz"


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_hf_days(
    days: Iterable[dt.date], *, demo_dir: Path | None = None, limit_per_day: int | None = None
) -> int:
    """Import the HF Daily Papers records (featured day, upvotes) of these days; return the count."""
    wanted = {d.isoformat() for d in days}
    per_day: dict[str, int] = {}
    count = 0
    for rec in _lines(Path(demo_dir or settings.DEMO_DIR) / HF_FILE):
        day = rec.get("date", "")
        if day not in wanted or (limit_per_day is not None and per_day.get(day, 0) >= limit_per_day):
            continue
        try:
            arxiv_id = normalize_arxiv_id(rec["paper_id"])
        except InvalidArxivId:
            continue
        record = PaperRecord(
            arxiv_id=arxiv_id,
            title=rec.get("title", ""),
            abstract=rec.get("abstract", ""),
            authors=list(rec.get("authors") or []),
            upvotes=int(rec.get("upvotes") or 0),
            featured_on=dt.date.fromisoformat(day),
            code_url=rec.get("github_url") or "",
        )
        upsert_paper(record, source="hf")
        per_day[day] = per_day.get(day, 0) + 1
        count += 1
    return count


def load_arxiv_days(
    days: Iterable[dt.date], *, demo_dir: Path | None = None, limit_per_day: int | None = None
) -> int:
    """Import the arXiv CS records announced on these days; return the count."""
    wanted = {d.isoformat() for d in days}
    per_day: dict[str, int] = {}
    count = 0
    for rec in _lines(Path(demo_dir or settings.DEMO_DIR) / ARXIV_FILE):
        day = rec.get("announced_on", "")
        if day not in wanted or (limit_per_day is not None and per_day.get(day, 0) >= limit_per_day):
            continue
        try:
            arxiv_id = normalize_arxiv_id(rec["id"])
        except InvalidArxivId:
            continue
        record = PaperRecord(
            arxiv_id=arxiv_id,
            title=rec.get("title", ""),
            abstract=rec.get("summary", ""),
            authors=list(rec.get("authors") or []),
            categories=list(rec.get("categories") or []),
            comments=rec.get("comment") or "",
            announced_on=dt.date.fromisoformat(day),
        )
        upsert_paper(record, source="arxiv")
        per_day[day] = per_day.get(day, 0) + 1
        count += 1
    return count
