"""Search over papers. The public API is what this module exports (see __all__)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["index_papers", "rebuild_index"]


def index_papers(paper_ids: Iterable[int]) -> None:
    """Add or refresh these papers (Paper primary keys) in the search indexes.

    Placeholder in the skeleton: the search app replaces it with the real indexer.
    """


def rebuild_index() -> None:
    """Drop and rebuild every search index from the database (skeleton placeholder)."""
