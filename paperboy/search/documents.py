"""Paper rows as keyword-index documents (plain text, dates, counters)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from paperboy.lib.text import plain_text
from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.search.engine import IndexDoc

__all__ = ["iter_index_docs", "paper_to_doc"]

BATCH = 1000


def paper_to_doc(paper: Paper, featured: Iterable = ()) -> IndexDoc:
    """One Paper as an IndexDoc: TeX stripped from title and abstract (``plain_text``); the date is
    :attr:`Paper.best_date` (v1 date, else announce day, else the id's month)."""
    return IndexDoc(
        pk=paper.pk,
        title=plain_text(paper.title),
        abstract=plain_text(paper.abstract),
        authors=[str(a) for a in (paper.authors or [])],
        categories=[str(c) for c in (paper.categories or [])]
        or ([paper.primary_category] if paper.primary_category else []),
        published=paper.best_date,
        featured=list(featured),
        upvotes=paper.upvote_count,
        has_code=bool(paper.code_url),
    )


def iter_index_docs(pks: Iterable[int] | None = None) -> Iterator[IndexDoc]:
    """IndexDocs for these Paper pks (all papers when None), read in batches of 1,000 (two queries each).
    Withdrawn papers are included: they keep their page and are still findable."""
    qs = Paper.objects.order_by("pk")
    if pks is not None:
        wanted = sorted({int(pk) for pk in pks})
        chunks: Iterable[list[int]] = (wanted[i : i + BATCH] for i in range(0, len(wanted), BATCH))
        for chunk in chunks:
            yield from _docs(list(qs.filter(pk__in=chunk)))
        return
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        yield from _docs(batch)
        last = batch[-1].pk


def _docs(papers: list[Paper]) -> Iterator[IndexDoc]:
    days: dict[int, list] = defaultdict(list)
    for pid, day in FeaturedEntry.objects.filter(paper_id__in=[p.pk for p in papers]).values_list(
        "paper_id", "featured_on"
    ):
        days[pid].append(day)
    for paper in papers:
        yield paper_to_doc(paper, days.get(paper.pk, ()))
