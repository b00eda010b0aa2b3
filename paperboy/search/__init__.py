"""Search over papers. The public API is what this module exports (see __all__).

- ``search_papers(query, *, mode="hybrid", filters=SearchFilters(...), sort="relevance", limit=20, offset=0)``
  -> ``SearchResults`` (hits with paper, score, snippet HTML; total, took_ms, mode, redirect_to).
- ``similar_papers(paper, limit=5)`` -> nearest papers by embedding, never the paper itself.
- ``index_papers(ids)`` / ``rebuild_index()``: keep the keyword index in step with the database.

Implemented in paperboy.search.services; imported lazily so that this package can be imported before the
Django app registry is ready (it is an installed app).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperboy.papers.models import Paper
    from paperboy.search.services import SearchFilters, SearchHit, SearchResults

__all__ = [
    "SearchFilters",
    "SearchHit",
    "SearchResults",
    "index_papers",
    "rebuild_index",
    "search_papers",
    "similar_papers",
]


def index_papers(paper_ids: Iterable[int]) -> int:
    """Add or refresh these papers (Paper primary keys) in the search index; returns documents written."""
    from paperboy.search.services import index_papers as impl

    return impl(paper_ids)


def rebuild_index() -> int:
    """Rebuild the search index from the database into a new folder, swapped in atomically."""
    from paperboy.search.services import rebuild_index as impl

    return impl()


def search_papers(query: str, **kwargs: Any) -> SearchResults:
    """See paperboy.search.services.search_papers."""
    from paperboy.search.services import search_papers as impl

    return impl(query, **kwargs)


def similar_papers(paper: Paper, limit: int = 5) -> list[Paper]:
    """See paperboy.search.services.similar_papers."""
    from paperboy.search.services import similar_papers as impl

    return impl(paper, limit=limit)


def __getattr__(name: str) -> Any:
    if name in ("SearchFilters", "SearchHit", "SearchResults"):
        from paperboy.search import services

        return getattr(services, name)
    raise AttributeError(name)
