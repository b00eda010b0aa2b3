"""What the API and feeds need from other apps, behind one small seam each.

- :func:`search` and :func:`similar` call ``paperboy.search.search_papers`` / ``similar_papers``
  when the search app provides them; until then they fall back to a plain database match
  (words in title or abstract; papers sharing categories) so the endpoints keep working.
- :func:`set_upvote` records or removes one user's upvote in one transaction (a small local
  version until ``paperboy.papers.services.toggle_upvote`` is merged; point it there then).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from paperboy.api.tokens import UserLike
from paperboy.lib.arxiv_ids import InvalidArxivId, normalize_arxiv_id
from paperboy.papers.models import Paper, Upvote
from paperboy.papers.services import recount_upvotes

logger = logging.getLogger(__name__)

SEARCH_MODES = ("hybrid", "keyword", "semantic")


@dataclass(frozen=True)
class Hit:
    """One search result: the paper and its score (higher is better; None when unranked)."""

    paper: Paper
    score: float | None


def find_paper(raw_id: str) -> Paper | None:
    """The paper for any accepted id form (``2410.18957v2``, ``arXiv:…``, ``hep-th/9901001``, URLs)."""
    try:
        arxiv_id = normalize_arxiv_id(raw_id)
    except InvalidArxivId:
        return None
    return Paper.objects.filter(arxiv_id=arxiv_id).first()


def _hits_from_results(results: Any) -> list[Hit]:
    """Adapt the search app's ``SearchResults`` (iterable of hits with ``.paper`` and ``.score``)."""
    items = getattr(results, "hits", None)
    if items is None:
        items = getattr(results, "results", results)
    hits = []
    for item in items:
        paper = getattr(item, "paper", item)
        score = getattr(item, "score", None)
        hits.append(Hit(paper=paper, score=float(score) if score is not None else None))
    return hits


def search(
    query: str,
    *,
    mode: str = "hybrid",
    filters: dict[str, Any] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[Hit]:
    """Ranked papers for ``query`` (see ``paperboy.search.search_papers``).

    ``filters`` may hold ``category`` (an arXiv category), ``date_from`` and ``date_to`` (published
    dates, inclusive). A query that is the arXiv id of a paper we have returns that paper alone.
    """
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    text = query.strip()
    if offset == 0 and text and " " not in text:
        known = find_paper(text)
        if known is not None:
            return [Hit(paper=known, score=None)]
    try:
        from paperboy.search import SearchFilters, search_papers
    except ImportError:
        return _database_search(query, filters=filters, limit=limit, offset=offset)
    search_filters = SearchFilters(
        published_from=filters.get("date_from"),
        published_to=filters.get("date_to"),
        categories=[filters["category"]] if filters.get("category") else [],
    )
    results = search_papers(
        query, mode=mode, filters=search_filters, sort="relevance", limit=limit, offset=offset
    )
    return _hits_from_results(results)


def _database_search(query: str, *, filters: dict[str, Any], limit: int, offset: int) -> list[Hit]:
    """Fallback while the search app is absent: every word in the title or abstract, most upvoted first."""
    words = query.split()[:8]
    qs = Paper.objects.all()
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(abstract__icontains=word))
    if filters.get("category"):
        qs = qs.filter(
            Q(primary_category=filters["category"]) | Q(categories__icontains=f'"{filters["category"]}"')
        )
    if filters.get("date_from"):
        qs = qs.filter(published_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(published_at__date__lte=filters["date_to"])
    qs = qs.order_by("-upvote_count", F("published_at").desc(nulls_last=True), "-arxiv_id")
    return [Hit(paper=p, score=None) for p in qs[offset : offset + limit]]


def similar(paper: Paper, *, limit: int = 10) -> list[Hit]:
    """Papers close to ``paper`` (see ``paperboy.search.similar_papers``)."""
    try:
        from paperboy.search import similar_papers
    except ImportError:
        return _same_category(paper, limit=limit)
    return _hits_from_results(similar_papers(paper, limit=limit))[:limit]


def _same_category(paper: Paper, *, limit: int) -> list[Hit]:
    """Fallback while the search app is absent: same primary category, most upvoted first."""
    if not paper.primary_category:
        return []
    qs = (
        Paper.objects.filter(primary_category=paper.primary_category)
        .exclude(pk=paper.pk)
        .order_by("-upvote_count", F("published_at").desc(nulls_last=True))
    )
    return [Hit(paper=p, score=None) for p in qs[:limit]]


def set_upvote(user: UserLike, paper: Paper, *, upvoted: bool) -> int:
    """Make ``user`` upvote (or stop upvoting) ``paper``; idempotent. Returns the new upvote count."""
    with transaction.atomic():
        exists = Upvote.objects.filter(user=user, paper=paper).exists()
        if exists != upvoted:
            if upvoted:
                try:
                    with transaction.atomic():
                        Upvote.objects.create(user=user, paper=paper)
                except IntegrityError:  # a concurrent request won: the upvote exists, as asked
                    pass
            else:
                Upvote.objects.filter(user=user, paper=paper).delete()
        return recount_upvotes(paper)


def comments_of(paper: Paper) -> list[dict[str, Any]]:
    """Comments on ``paper``, oldest first, as :class:`paperboy.api.schemas.CommentOut` dicts."""
    try:
        from paperboy.comments.models import Comment
    except ImportError:
        return []
    from paperboy.api.serializers import iso_ms

    rows = Comment.objects.filter(paper=paper).select_related("author").order_by("created_at", "id")
    return [
        {
            "id": c.pk,
            "author": c.author.get_username() if getattr(c, "author", None) else "",
            "body": getattr(c, "body", ""),
            "createdAt": iso_ms(c.created_at),
            "parentId": getattr(c, "parent_id", None),
        }
        for c in rows
    ]
