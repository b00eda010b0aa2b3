"""Search services: indexing papers, searching them (keyword, semantic, hybrid) and similar papers.

The keyword index lives in ``settings.SEARCH_INDEX_DIR`` (see paperboy.search.engine); the vectors come from
the embedding store (paperboy.search.vectors, MiniLM via paperboy.search.embeddings). When no vectors or no
embedder are available, semantic and hybrid searches fall back to keyword search and say so in ``notes``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from django.conf import settings

from paperboy.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperboy.lib.text import plain_text
from paperboy.papers.models import Paper
from paperboy.search.documents import iter_index_docs
from paperboy.search.engine import KeywordIndex
from paperboy.search.query import parse
from paperboy.search.retrieval import CANDIDATES, Candidate, Ranked, Retriever, SearchFilters, VectorSource
from paperboy.search.snippets import Highlighter

__all__ = [
    "MAX_QUERY_CHARS",
    "MODES",
    "SORTS",
    "SearchFilters",
    "SearchHit",
    "SearchResults",
    "index_papers",
    "keyword_index",
    "rebuild_index",
    "search_papers",
    "similar_papers",
]

log = logging.getLogger(__name__)

Mode = Literal["keyword", "semantic", "hybrid"]
Sort = Literal["relevance", "date", "upvotes"]
MODES: tuple[str, ...] = ("hybrid", "keyword", "semantic")
SORTS: tuple[str, ...] = ("relevance", "date", "upvotes")
MAX_QUERY_CHARS = 2000
MAX_LIMIT = 100


@dataclass
class SearchHit:
    """One result: the Paper row, its fused (or BM25, or cosine) score and an HTML snippet (escaped, <mark>)."""

    paper: Paper
    score: float
    snippet: str
    bm25: float | None = None
    cosine: float | None = None

    @property
    def pk(self) -> int:
        return self.paper.pk


@dataclass
class SearchResults:
    """A page of results. ``total`` is exact for keyword mode and for sorted keyword results; in semantic
    and hybrid modes it counts the ranked pool (hybrid: the union of the keyword and semantic top 100,
    so at most 200; counting every keyword match would cost a fifth of the keyword search at 1M papers).
    ``redirect_to`` is set when the query is an arXiv id or URL of a paper we have."""

    query: str
    mode: str
    sort: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    took_ms: float = 0.0
    offset: int = 0
    limit: int = 20
    redirect_to: str | None = None
    arxiv_id: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def results(self) -> list[SearchHit]:
        return self.hits


# -- the site's index and vectors -----------------------------------------------------------------------------
_indexes: dict[Path, KeywordIndex] = {}
_indexes_lock = threading.Lock()


def keyword_index() -> KeywordIndex:
    """The KeywordIndex in ``settings.SEARCH_INDEX_DIR / "keyword"`` (one object per folder and process);
    the vector index lives beside it in ``vectors/``."""
    root = Path(settings.SEARCH_INDEX_DIR) / "keyword"
    with _indexes_lock:
        if root not in _indexes:
            _indexes[root] = KeywordIndex(root)
        return _indexes[root]


def _embedder() -> Callable[[str], np.ndarray] | None:
    try:
        from paperboy.search.embeddings import embed_query
    except ImportError:  # the embedder is not installed in this checkout
        return None
    return embed_query


def site_vectors() -> VectorSource | None:
    """The paper vectors of the site (vec's store), or None when there are none yet."""
    try:
        from paperboy.search import vectors as store
    except ImportError:
        return None
    getter = getattr(store, "site_vector_source", None)
    if getter is None:
        return None
    try:
        return getter()
    except Exception:  # a missing or half-written store must not break keyword search
        log.exception("vector store unavailable; semantic search disabled for this request")
        return None


_coverage_cache: dict[str, tuple[float, int, int]] = {}


def embedding_coverage() -> tuple[int, int]:
    """``(papers with a vector, papers)``, counted at most every ``SEARCH_COVERAGE_TTL_SECONDS`` per
    process (two COUNT queries; 30 s by default, 0 in the tests)."""
    from django.db import connection

    from paperboy.search.models import PaperEmbedding

    key = (connection.settings_dict.get("NAME") and str(connection.settings_dict["NAME"])) or "default"
    now = time.monotonic()
    cached = _coverage_cache.get(key)
    if cached is None or now - cached[0] >= settings.SEARCH_COVERAGE_TTL_SECONDS:
        cached = (now, PaperEmbedding.objects.count(), Paper.objects.count())
        _coverage_cache[key] = cached
    return cached[1], cached[2]


def _semantic_ready() -> tuple[bool, str]:
    """Whether enough papers have vectors for search by meaning, and the note to show when not."""
    embedded, papers = embedding_coverage()
    if papers and embedded >= settings.SEARCH_MIN_EMBEDDED_FRACTION * papers:
        return True, ""
    if embedded == 0:
        return False, "Search by meaning is not available yet (no paper embeddings); showing keyword results."
    return False, (
        f"Search by meaning is being prepared ({embedded:,} of {papers:,} papers embedded so far); "
        "showing keyword results."
    )


def _retriever() -> Retriever:
    return Retriever(keyword_index(), site_vectors(), _embedder())


# -- indexing --------------------------------------------------------------------------------------------------
def index_papers(paper_ids: Iterable[int]) -> int:
    """Add or refresh these papers (Paper pks) in the keyword index; pks no longer in the database are
    removed. One commit. Returns the number of documents written. Called by ingest after each batch."""
    wanted = {int(pk) for pk in paper_ids}
    if not wanted:
        return 0
    docs = list(iter_index_docs(wanted))
    gone = wanted - {d.pk for d in docs}
    return keyword_index().upsert(docs, delete_pks=gone)


def rebuild_index() -> int:
    """Rebuild the keyword index from every Paper into a new folder and swap it in atomically."""
    return keyword_index().rebuild(iter_index_docs())


# -- searching -------------------------------------------------------------------------------------------------
def _arxiv_redirect(query: str) -> tuple[str | None, str | None]:
    """(canonical arXiv id, URL of its page here) when the whole query is an arXiv id or URL."""
    text = query.strip()
    if not text or len(text) > 200 or " " in text:
        return None, None
    try:
        arxiv = parse_arxiv_id(text)
    except InvalidArxivId:
        return None, None
    paper = Paper.objects.filter(arxiv_id=arxiv.arxiv_id).only("pk", "arxiv_id").first()
    return arxiv.arxiv_id, (paper.get_absolute_url() if paper else None)


def _sort_pool(pool: list[Candidate], papers: dict[int, Paper], sort: str) -> list[Candidate]:
    if sort == "date":
        return sorted(pool, key=lambda c: (papers[c.pk].best_date is None, -_ts(papers[c.pk]), -c.score))
    return sorted(pool, key=lambda c: (-papers[c.pk].upvote_count, -c.score))


def _ts(paper: Paper) -> float:
    date = paper.best_date
    return date.timestamp() if date else 0.0


def search_papers(
    query: str,
    *,
    mode: str = "hybrid",
    filters: SearchFilters | None = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Search papers. Never raises on user input: any query string gives results or none.

    Args:
        query: search box text (syntax in paperboy.search.query); trimmed to 2,000 characters.
        mode: "hybrid" (default: BM25 and MiniLM cosine fused, see paperboy.search.fusion), "keyword" (BM25)
            or "semantic" (cosine); unknown values mean hybrid.
        filters: published/featured date ranges, categories, has code, minimum upvotes.
        sort: "relevance" (default), "date" (newest first) or "upvotes" (most first).
        limit, offset: the page (limit capped at 100).
    Returns:
        SearchResults; Paper rows are loaded in one query.
    """
    started = time.perf_counter()
    notes: list[str] = []
    query = query or ""
    if len(query) > MAX_QUERY_CHARS:
        query = query[:MAX_QUERY_CHARS]
        notes.append(f"Your query was shortened to its first {MAX_QUERY_CHARS:,} characters.")
    mode = mode if mode in MODES else "hybrid"
    sort = sort if sort in SORTS else "relevance"
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    filters = filters or SearchFilters()
    results = SearchResults(query=query, mode=mode, sort=sort, offset=offset, limit=limit, notes=notes)

    arxiv_id, redirect = _arxiv_redirect(query)
    if arxiv_id:
        results.arxiv_id = arxiv_id
        if redirect:
            results.redirect_to = redirect
            results.took_ms = (time.perf_counter() - started) * 1000
            return results
        notes.append(f"arXiv:{arxiv_id} is not in this library yet.")

    parsed = parse(query)
    retriever = _retriever()
    if mode != "keyword":
        ready, why = _semantic_ready()
        if not retriever.semantic_available:
            ready, why = (
                False,
                why or "Search by meaning is not available right now; showing keyword results.",
            )
        if not ready:
            notes.append(why)
            mode = "keyword"
    if not parsed.free_text:
        mode = "keyword"  # nothing to embed (only author:, cat:, exclusions or filters): exact keyword path
    if not parsed.clauses and sort == "relevance":
        sort = "date"  # filters alone: newest first
    results.mode, results.sort = mode, sort

    ranked: Ranked
    if mode == "keyword":
        order = {"date": "published", "upvotes": "upvotes"}.get(sort)
        ranked = retriever.keyword_ranked(parsed, filters, limit, offset, order_by=order)
        page = ranked.hits
    else:
        depth = max(CANDIDATES, offset + limit) if sort == "relevance" else CANDIDATES
        if mode == "semantic":
            ranked = retriever.semantic_ranked(parsed, filters, depth)
        else:
            ranked = retriever.hybrid_ranked(parsed, filters, depth)
        pool = ranked.hits
        if sort != "relevance":
            rows = Paper.objects.in_bulk([c.pk for c in pool])
            pool = _sort_pool([c for c in pool if c.pk in rows], rows, sort)
        page = pool[offset : offset + limit]
    results.total = ranked.total

    papers = Paper.objects.in_bulk([c.pk for c in page])
    highlighter = Highlighter(parsed)
    for c in page:
        paper = papers.get(c.pk)
        if paper is None:  # deleted since it was indexed
            continue
        snippet = highlighter.abstract_snippet(paper.abstract)
        results.hits.append(SearchHit(paper, c.score, snippet, bm25=c.bm25, cosine=c.cosine))
    results.took_ms = (time.perf_counter() - started) * 1000
    return results


def similar_papers(paper: Paper, limit: int = 5) -> list[Paper]:
    """The ``limit`` papers nearest to ``paper`` by embedding cosine, never the paper itself.

    Uses the stored vector of the paper (or embeds its title and abstract when it has none yet). Without any
    vectors it falls back to a keyword search on the paper's title.
    """
    retriever = _retriever()
    pks: list[int] = []
    if retriever.vectors is not None:
        vec = retriever.vectors.vector(paper.pk)
        if vec is None:
            try:
                from paperboy.search.embeddings import embed_texts, paper_text

                vec = embed_texts([paper_text(paper)])[0]
            except ImportError:
                vec = None
        if vec is not None:
            pks = [
                pk for pk, _ in retriever.vectors.top_k(vec, limit + 1, exclude=[paper.pk]) if pk != paper.pk
            ]
    if not pks:
        parsed = parse(plain_text(paper.title))
        hits = retriever.keyword_ranked(parsed, SearchFilters(), limit + 1).hits
        pks = [c.pk for c in hits if c.pk != paper.pk]
    pks = pks[:limit]
    rows = Paper.objects.in_bulk(pks)
    return [rows[pk] for pk in pks if pk in rows]
