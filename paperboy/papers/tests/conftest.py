"""Builders for papers and featured entries used by the page tests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from paperboy.papers.models import FeaturedEntry, Paper

REAL_PAPERS = json.loads((Path(__file__).parent / "data" / "real_papers.json").read_text(encoding="utf-8"))


def _utc(day: dt.date | str | None, hour: int = 12) -> dt.datetime | None:
    if day is None:
        return None
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@pytest.fixture
def make_paper(db: None) -> Callable[..., Paper]:
    """``make_paper(arxiv_id, title=..., upvotes=0, published="2026-02-02", featured=[day, ...])`` -> Paper."""

    def build(
        arxiv_id: str,
        *,
        title: str | None = None,
        upvotes: int = 0,
        published: dt.date | str | None = "2026-02-02",
        featured: Iterable[dt.date | str] = (),
        featured_at: dt.datetime | None = None,
        **fields: Any,
    ) -> Paper:
        fields.setdefault("abstract", f"Abstract of {arxiv_id}.")
        fields.setdefault("authors", ["Ada Lovelace", "Alan Turing"])
        paper = Paper.objects.create(
            arxiv_id=arxiv_id,
            title=title or f"Paper {arxiv_id}",
            upvote_count=upvotes,
            imported_upvote_count=upvotes,
            published_at=_utc(published),
            **fields,
        )
        for day in featured:
            on = dt.date.fromisoformat(day) if isinstance(day, str) else day
            FeaturedEntry.objects.create(paper=paper, featured_on=on, featured_at=featured_at)
        return paper

    return build


@pytest.fixture
def real_papers(make_paper: Callable[..., Paper]) -> list[Paper]:
    """The six real papers of tests/data/real_papers.json, not featured."""
    papers = []
    for item in REAL_PAPERS:
        papers.append(
            make_paper(
                item["arxiv_id"],
                title=item["title"],
                abstract=item["abstract"],
                authors=item["authors"],
                upvotes=item["upvotes"] or 0,
                published=item["published_on"],
                categories=item.get("categories", []),
                primary_category=(item.get("categories") or [""])[0],
                announced_on=dt.date.fromisoformat(item["announced_on"])
                if item.get("announced_on")
                else None,
            )
        )
    return papers
