"""Real data for the API and feed tests: HF Daily Papers records (Feb 2026, demo/) and the seed search page."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.papers.services import PaperRecord, upsert_paper
from paperboy.search import rebuild_index

DEMO = Path(settings.BASE_DIR) / "demo"
#: Featured days loaded (two ISO weeks of February 2026: W06 and W07) and entries kept per day.
DAYS = ("2026-02-02", "2026-02-03", "2026-02-04", "2026-02-09", "2026-02-10", "2026-02-13")
PER_DAY = 12


@functools.cache
def _hf_records() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    with gzip.open(DEMO / "hf-daily-papers-hfbot-2026-02.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["date"] in DAYS and counts.get(row["date"], 0) < PER_DAY:
                counts[row["date"]] = counts.get(row["date"], 0) + 1
                rows.append(row)
    return rows


@functools.cache
def _seed_records() -> list[dict[str, Any]]:
    with gzip.open(DEMO / "seed-search-sparse-guidance.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


# hep-th/9901001 as arXiv's own .abs file gives it (../shared/data/raw-arxiv-abs-files).
OLD_STYLE = PaperRecord(
    arxiv_id="hep-th/9901001",
    version=3,
    title="String Junctions and Their Duals in Heterotic String Theory",
    abstract=(
        "We explicitly give the correspondence between spectra of heterotic string\n"
        "theory compactified on $T^2$ and string junctions in type IIB theory\n"
        "compactified on $S^2$."
    ),
    authors=["Yosuke Imamura"],
    categories=["hep-th"],
    comments="13 pages + 4 eps figures, PTPTeX, typographical errors corrected",
    journal_ref="Prog.Theor.Phys.101:1155-1164,1999",
    doi="10.1143/PTP.101.1155",
    published_at=dt.datetime(1999, 1, 1, 1, 1, 10, tzinfo=dt.UTC),
    updated_at=dt.datetime(1999, 5, 10, 4, 45, 54, tzinfo=dt.UTC),
)


def load_corpus() -> None:
    """Featured HF entries (with a featured time spread over the day), seed papers, one old-style paper."""
    for i, row in enumerate(_hf_records()):
        day = dt.date.fromisoformat(row["date"])
        upsert_paper(
            PaperRecord(
                arxiv_id=row["paper_id"],
                title=row["title"],
                abstract=row["abstract"],
                authors=row["authors"],
                categories=["cs.CL" if i % 2 else "cs.LG"],
                code_url=row.get("github_url") or "",
                upvotes=row["upvotes"],
                featured_on=day,
                featured_at=dt.datetime.combine(day, dt.time(hour=i % 24, minute=i % 60), tzinfo=dt.UTC),
                submitter_name="akhaliq" if i % 3 == 0 else "taesiri",
            ),
            source="hf",
        )
    for row in _seed_records():
        published = dt.datetime.fromisoformat(row["published"]).replace(tzinfo=dt.UTC)
        upsert_paper(
            PaperRecord(
                arxiv_id=row["id"],
                title=row["title"],
                abstract=row["abstract"],
                authors=row["authors"],
                categories=["cs.CV"],
                published_at=published,
                upvotes=row.get("upvotes") or 0,
            ),
            source="jsonl",
        )
    upsert_paper(OLD_STYLE, source="abs")
    rebuild_index()  # the search app's keyword index (tmp folder per test, see the root conftest)


@pytest.fixture
def corpus(db: None) -> dict[str, int]:
    load_corpus()
    return {"papers": Paper.objects.count(), "entries": FeaturedEntry.objects.count()}
