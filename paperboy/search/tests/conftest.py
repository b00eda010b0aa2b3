"""Helpers for search tests: papers in the database and a fresh index of them."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from paperboy.papers.models import FeaturedEntry, Paper

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SEED_DIR = SHARED_DATA / "seed-search-page"
SPECTRAL_TITLE = "Effective Spectral Unmixing via Robust Representation and Learning-based Sparsity"

_counter = iter(range(1, 10**6))


def make_paper(title: str, abstract: str = "", **kw: object) -> Paper:
    n = next(_counter)
    defaults: dict[str, object] = {
        "arxiv_id": f"2401.{n:05d}",
        "authors": ["Ada Lovelace"],
        "categories": ["cs.LG"],
        "primary_category": "cs.LG",
        "published_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n % 300),
    }
    defaults.update(kw)
    featured = defaults.pop("featured", [])
    paper = Paper.objects.create(title=title, abstract=abstract, **defaults)
    for day in featured:  # type: ignore[attr-defined]
        FeaturedEntry.objects.create(paper=paper, featured_on=day)
    return paper


def _parse_shown_date(text: str) -> dt.datetime:
    for fmt in ("%b %d, %Y", "%b %d"):
        try:
            parsed = dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        year = parsed.year if "," in text else 2025
        return parsed.replace(year=year, tzinfo=dt.UTC)
    return dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def seed_records() -> list[dict]:
    """The 58 papers of the recorded HF search page for "sparse guidance" (titles, abstracts, ids, authors)."""
    results = [
        json.loads(line) for line in (SEED_DIR / "results.jsonl").read_text().splitlines() if line.strip()
    ]
    resolved = [
        json.loads(line) for line in (SEED_DIR / "resolved.jsonl").read_text().splitlines() if line.strip()
    ]
    out = []
    for res, meta in zip(results, resolved, strict=True):
        out.append(
            {
                "title": res["title"],
                "abstract": res["abstract"],
                "arxiv_id": meta.get("arxiv_id") or f"2599.{res['rank']:05d}",
                "authors": meta.get("authors") or [f"Author {i}" for i in range(res.get("n_authors") or 1)],
                "upvotes": res.get("upvotes") or 0,
                "published": _parse_shown_date(res.get("published") or ""),
            }
        )
    return out


def distractor_records(limit: int = 150) -> list[dict]:
    """Real arXiv cs listings of one day (abstracts about robots, LLMs, vision...) as distractors."""
    path = SHARED_DATA / "arxiv-daily-cs-dwdengwei" / "daily" / "2025-05-22.jsonl.gz"
    out = []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            rec = json.loads(line)
            out.append(
                {
                    "title": rec["title"],
                    "abstract": rec["summary"],
                    "arxiv_id": rec["id"],
                    "authors": rec["authors"],
                    "categories": rec.get("categories") or ["cs.LG"],
                    "upvotes": 0,
                    "published": dt.datetime(2025, 5, 21, tzinfo=dt.UTC),
                }
            )
            if len(out) >= limit:
                break
    return out


def load_records(records: list[dict]) -> list[Paper]:
    seen: set[str] = set()
    papers = []
    for rec in records:
        if rec["arxiv_id"] in seen:
            continue
        seen.add(rec["arxiv_id"])
        papers.append(
            make_paper(
                rec["title"],
                rec["abstract"],
                arxiv_id=rec["arxiv_id"],
                authors=rec["authors"],
                categories=rec.get("categories", ["cs.CV"]),
                primary_category=rec.get("categories", ["cs.CV"])[0],
                upvote_count=rec["upvotes"],
                published_at=rec["published"],
            )
        )
    return papers


@pytest.fixture
def seed_corpus(db: None) -> list[Paper]:
    """Seed page papers plus 150 distractors, in the database and in the keyword index."""
    from paperboy.search import rebuild_index

    papers = load_records(seed_records() + distractor_records())
    rebuild_index()
    return papers
