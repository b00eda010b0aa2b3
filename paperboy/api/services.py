"""What the API and feeds need from other apps, behind one small seam each.

- :func:`search` and :func:`similar` call ``paperboy.search.search_papers`` / ``similar_papers``.
- :func:`set_upvote` is the site's vote (``paperboy.papers.services.set_upvote``); comments come from
  ``paperboy.comments``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from paperboy.api.tokens import UserLike
from paperboy.comments.models import Comment
from paperboy.lib.arxiv_ids import InvalidArxivId, normalize_arxiv_id
from paperboy.papers.models import Paper
from paperboy.papers.services import set_upvote as shared_set_upvote
from paperboy.search import SearchFilters, search_papers, similar_papers

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


def search(
    query: str,
    *,
    mode: str = "hybrid",
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
) -> list[Hit]:
    """Ranked papers for ``query`` through the site's search (:func:`paperboy.search.search_papers`).

    A query that is the arXiv id (or URL) of a paper we have returns that paper alone, as the search
    page redirects to it.
    """
    text = query.strip()
    if offset == 0 and text and " " not in text:
        known = find_paper(text)
        if known is not None:
            return [Hit(paper=known, score=None)]
    results = search_papers(query, mode=mode, filters=filters, sort=sort, limit=limit, offset=offset)
    return [Hit(paper=hit.paper, score=float(hit.score)) for hit in results.hits]


def similar(paper: Paper, *, limit: int = 10) -> list[Hit]:
    """Papers nearest to ``paper`` (:func:`paperboy.search.similar_papers`; no score is exposed)."""
    return [Hit(paper=p, score=None) for p in similar_papers(paper, limit=limit)][:limit]


def set_upvote(user: UserLike, paper: Paper, *, upvoted: bool) -> int:
    """Make ``user`` upvote (or stop upvoting) ``paper``; idempotent. Returns the new upvote count.

    The site's own vote (:func:`paperboy.papers.services.set_upvote`: row lock, exact count).
    """
    return shared_set_upvote(user, paper, voted=upvoted).count


def comment_dict(comment: Comment) -> dict[str, Any]:
    """A comment as :class:`paperboy.api.schemas.CommentOut`."""
    from paperboy.api.serializers import iso_ms

    return {
        "id": comment.pk,
        "author": comment.author.get_username(),
        "body": comment.body,
        "bodyHtml": comment.body_html,
        "createdAt": iso_ms(comment.created_at),
        "editedAt": iso_ms(comment.edited_at),
    }


def comments_of(paper: Paper) -> list[dict[str, Any]]:
    """Visible comments on ``paper`` (moderators' hidden ones left out), oldest first."""
    rows = (
        Comment.objects.filter(paper=paper, hidden=False)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    return [comment_dict(c) for c in rows]
