"""Keyword, semantic and hybrid retrieval over one keyword index and one set of vectors.

This is the engine behind both the site (paperboy.search.services) and the eval harness
(paperboy.search.eval): the same parser, analyzer, BM25 weights and fusion.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import tantivy

from paperboy.search import fusion
from paperboy.search.engine import KeywordIndex, analyze, analyze_positions
from paperboy.search.query import (
    ParsedQuery,
    TextQueryParts,
    constraint_query,
    proximity_queries,
    text_query_parts,
)

__all__ = ["ArrayVectors", "Candidate", "Retriever", "SearchFilters", "VectorSource", "query_sentences"]

#: Seconds a Retriever reuses the keyword index's searcher before checking for a new generation.
SEARCHER_TTL = 1.0
#: Candidates taken from each side before fusion (and the pool sorted by date/upvotes in hybrid mode).
CANDIDATES = 100
#: Keyword relevance ranking scores this many top matches of the query without proximity boosts with the
#: whole query (Retriever.keyword_ranked): twice the candidates, so the boosts reorder a wide pool. Hybrid
#: search reranks only its CANDIDATES keyword hits: ``make eval-search`` gives the same hybrid nDCG@10 to
#: every digit (NPL .5138, CISI .4698) with 100 as with 200, and the proximity search over 100 papers
#: costs half that over 200 (about 0.4 ms at 75k papers).
RERANK_DEPTH = 200
#: Known-item rule: a paper whose title contains the whole query (>= this many index terms) as a phrase
#: stays above papers that do not, whatever the fusion says. Meaning adds to exact matches, never buries them.
KNOWN_ITEM_MIN_TERMS = 3
#: Second tier: the whole plain-word query (2+ terms) as an exact phrase in title or abstract.
EXACT_PHRASE_TIER = True
#: Dense pseudo-relevance feedback in hybrid mode: the top PRF_DOCS fused papers, and the weight of their
#: mean vector added to the query vector (Rocchio beta). Tuned once on NPL + CISI together.
#: (RM3-style BM25 expansion from the same papers was measured too and lowered nDCG@10 on NPL: dropped.)
PRF_DOCS = 3
PRF_DENSE = 0.75
#: The feedback query q' re-ranks the first cosine search's top PRF_POOL papers exactly, instead of searching
#: every vector again: one vector search per hybrid query, not two. With PRF_POOL = CANDIDATES the feedback
#: re-weights the cosine side of the same candidates (no new paper, so no second BM25 lookup): the cheapest
#: pool and as good as any. ``make eval-search``, hybrid nDCG@10 NPL / CISI (mean): pool 100 .5138 / .4698
#: (.4918); 150 .5126 / .4689; 200 .5115 / .4697; 400 .5117 / .4709 (.4913); every paper (the full second
#: search, session 2) .5116 / .4709. At 75k papers pool 100 saves about 3 ms of CPU a search against 400.
PRF_POOL = 100
#: Score regularisation: weight of the neighbours' mean score, and how many nearest candidates.
REG_LAMBDA = 0.2
REG_NEIGHBOURS = 5
#: A query of several sentences is embedded sentence by sentence (at most this many pieces; 1 turns it off):
#: its vector is the normalised sum of the whole query's vector and each sentence's vector, so the whole
#: query counts as one more sentence (no weight to tune). MiniLM was trained on sentence pairs; one mean-pooled
#: vector of a paragraph blurs its several requests. Measured with ``make eval-search`` (the only multi-sentence
#: queries are CISI's, 53 of 76): semantic nDCG@10 .413 -> .434, hybrid .461 -> .472; NPL's one-sentence
#: queries and the seed tests' queries are unchanged. Splitting into clauses (at commas) or 16-word windows
#: scored lower than the whole query (.411, .391): the sentence is the unit.
MAX_QUERY_SENTENCES = 8
#: Sentence end: . ? or ! then white space and a capital letter or digit (optionally after a quote or
#: bracket), so "e.g. a" or "vs. b" do not split a sentence.
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[\"'(\[]?[A-Z0-9])")


def query_sentences(text: str, limit: int = MAX_QUERY_SENTENCES) -> list[str]:
    """The sentences of a query (see ``_SENTENCE_END``), blank pieces dropped; with more
    than ``limit`` sentences, consecutive ones are joined into at most ``limit`` pieces. A one-sentence
    query gives ``[text]`` (stripped); an empty one ``[]``."""
    parts = [p.strip() for p in _SENTENCE_END.split(text or "") if any(ch.isalnum() for ch in p)]
    limit = max(1, limit)
    if len(parts) > limit:
        size = -(-len(parts) // limit)
        parts = [" ".join(parts[i : i + size]) for i in range(0, len(parts), size)]
    return parts


def _pk(value: object) -> int:
    """A pk read from the index's fast field (tantivy types it loosely)."""
    return int(value)  # type: ignore[call-overload]


def _pk_filter(schema: tantivy.Schema, pks: Sequence[int]) -> tantivy.Query:
    """Matches exactly these pks, score 0. A union of term queries: a few microseconds per pk, where a
    ``term_set_query`` on the pk field costs milliseconds at 1M papers (it scans the whole field)."""
    terms = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "pk", int(pk))) for pk in pks]
    return tantivy.Query.const_score_query(tantivy.Query.boolean_query(terms), 0.0)


def _chain(root: tantivy.Query, optional: Sequence[tantivy.Query]) -> tantivy.Query:
    """``root``'s matches, each scored ``root``'s score plus the score of every ``optional`` query it
    matches: ``((root AND? q1) AND? q2) ...``, nested, where one boolean query of ``root`` and Should
    clauses gives the same scores. For term queries: tantivy seeks each one to each of root's papers
    (a skip-list lookup), where a union of them is advanced in windows of 4,096 documents, scoring every
    posting in each window. (Not for phrase queries: seeking one scans ahead to its next match.)"""
    query = root
    for part in optional:
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Should, part)])
    return query


#: Restricted searches (a query's scores on a few hundred given papers) walk the query's union over the
#: stretch of the index the papers span, or seek each part per paper; the walk is cheaper on short posting
#: lists, the seeks on long ones. The choice estimates the postings the walk would read: the query's
#: words' document frequencies in the text field (their sum for the optional words, their minimum for
#: the phrase tests, which advance by their rarest word), times the fraction of the index in windows of
#: 4,096 documents around the papers. Crossovers measured on the 75k real and 1M synthetic bench indexes
#: (keyword top-50 plus 50 random papers; keyword top-100 for the phrases): words, at 1M, sum 1e5-3e5:
#: walk 4.4 ms, seek 3.7; sum 3e5-1e6: walk 10.9, seek 4.7; at 75k, below 1e5: walk 0.6-1.6 ms, seek
#: 1.1-2.0. Phrases, at 1M, min 3e3-1e4: walk 1.7 ms, seek 1.7; 3e4-1e5: walk 7.2, seek 2.9; at 75k,
#: below 3e3: walk 0.6, seek 0.9.
SEEK_WORDS_MIN_POSTINGS = 150_000
SEEK_PHRASES_MIN_POSTINGS = 8_000
_WINDOW_DOCS = 4096


@dataclass
class TextScoring:
    """One search's whole keyword query (proximity boosts included), to score given papers with:
    ``query`` as one tantivy query, ``parts`` its clauses (None for a filters-only query) and
    ``filters`` the filter clauses it is combined with (Must)."""

    query: tantivy.Query
    parts: TextQueryParts | None
    filters: list[tuple[tantivy.Occur, tantivy.Query]]


_executor: tuple[int, ThreadPoolExecutor] | None = None
_executor_lock = threading.Lock()


def _background() -> ThreadPoolExecutor:
    """The process's pool for the parts of one search that can run side by side (tantivy, ONNX Runtime
    and faiss release the GIL while they work): 2 threads, one per core of the target machine. Made
    again in a forked child (a pool's threads do not survive a fork)."""
    global _executor
    pid = os.getpid()
    if _executor is None or _executor[0] != pid:
        with _executor_lock:
            if _executor is None or _executor[0] != pid:
                _executor = (pid, ThreadPoolExecutor(max_workers=2, thread_name_prefix="search"))
    return _executor[1]


def _vectors_of(source: VectorSource, pks: Sequence[int]) -> dict[int, np.ndarray]:
    """Vectors of these pks (those that have one), in one call when the source can (``vectors``)."""
    batch = getattr(source, "vectors", None)
    if callable(batch):
        return batch(pks)
    return {pk: v for pk in pks if (v := source.vector(pk)) is not None}


class CandidateVectors:
    """The vectors of one search's candidates, fetched from the source once: ``matrix`` (m, 384) float32,
    one row per pk that has a vector, and ``row`` pk -> row. Cosines of a query against all of them are
    one (m, 384) @ (384,) product, not a gather from the whole index per call."""

    def __init__(self, source: VectorSource, pks: Sequence[int]) -> None:
        gather = getattr(source, "gather", None)
        if callable(gather):  # VectorIndex: one gather, no per-row objects
            ids, self.matrix = gather(pks)
            self.row = {pk: i for i, pk in enumerate(ids.tolist())}
            return
        found = _vectors_of(source, list(dict.fromkeys(pks)))
        self.row = {pk: i for i, pk in enumerate(found)}
        self.matrix = (
            np.stack(list(found.values())).astype(np.float32, copy=False)
            if found
            else np.zeros((0, 0), dtype=np.float32)
        )

    def scores(self, query: np.ndarray, pks: Sequence[int]) -> dict[int, float]:
        """Cosine of each of these pks that has a vector (query: (384,) float32, unit norm)."""
        if not self.row:
            return {}
        sims = self.matrix @ np.asarray(query, dtype=np.float32)
        return {pk: float(sims[i]) for pk in pks if (i := self.row.get(pk)) is not None}


class VectorSource(Protocol):
    """Paper vectors (L2-normalised, so the dot product is the cosine)."""

    def top_k(self, query: np.ndarray, k: int, exclude: Sequence[int] = ()) -> list[tuple[int, float]]:
        """(pk, cosine) of the k nearest papers, best first."""
        ...

    def scores(self, query: np.ndarray, pks: Sequence[int]) -> dict[int, float]:
        """Cosine of each of these papers that has a vector."""
        ...

    def vector(self, pk: int) -> np.ndarray | None: ...


class ArrayVectors:
    """Exact (brute-force) vectors in memory: ids (n,) and an (n, d) float32 matrix of unit rows."""

    def __init__(self, ids: Sequence[int], matrix: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.row = {int(pk): i for i, pk in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def top_k(self, query: np.ndarray, k: int, exclude: Sequence[int] = ()) -> list[tuple[int, float]]:
        if not len(self.ids):
            return []
        sims = self.matrix @ np.asarray(query, dtype=np.float32)
        for pk in exclude:
            if (i := self.row.get(int(pk))) is not None:
                sims[i] = -np.inf
        k = min(k, len(sims))
        part = np.argpartition(-sims, k - 1)[:k]
        order = part[np.argsort(-sims[part], kind="stable")]
        return [(int(self.ids[i]), float(sims[i])) for i in order if np.isfinite(sims[i])]

    def scores(self, query: np.ndarray, pks: Sequence[int]) -> dict[int, float]:
        rows = [(pk, self.row[pk]) for pk in pks if pk in self.row]
        if not rows:
            return {}
        sims = self.matrix[[i for _, i in rows]] @ np.asarray(query, dtype=np.float32)
        return {pk: float(s) for (pk, _), s in zip(rows, sims, strict=True)}

    def vector(self, pk: int) -> np.ndarray | None:
        i = self.row.get(int(pk))
        return None if i is None else self.matrix[i]

    def vectors(self, pks: Sequence[int]) -> dict[int, np.ndarray]:
        rows = [(int(pk), self.row[int(pk)]) for pk in pks if int(pk) in self.row]
        if not rows:
            return {}
        block = self.matrix[[i for _, i in rows]]
        return {pk: block[j] for j, (pk, _) in enumerate(rows)}


_MIN_DATE = dt.date(1700, 1, 1)
_MAX_DATE = dt.date(2250, 12, 31)


@dataclass
class SearchFilters:
    """Filters in index terms (dates inclusive, naive UTC)."""

    published_from: dt.date | None = None
    published_to: dt.date | None = None
    featured_from: dt.date | None = None
    featured_to: dt.date | None = None
    categories: list[str] = field(default_factory=list)
    has_code: bool | None = None
    min_upvotes: int | None = None

    def clauses(self, schema: tantivy.Schema) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        out: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for name, lo, hi in (
            ("published", self.published_from, self.published_to),
            ("featured", self.featured_from, self.featured_to),
        ):
            if lo is None and hi is None:
                continue
            # tantivy dates span 1677..2262 (nanoseconds in an i64); clamp so no user date can raise.
            lo = max(lo, _MIN_DATE) if lo else None
            hi = min(hi, _MAX_DATE) if hi else None
            low = dt.datetime(lo.year, lo.month, lo.day) if lo else None
            high = dt.datetime(hi.year, hi.month, hi.day) + dt.timedelta(days=1) if hi else None
            q = tantivy.Query.range_query(
                schema, name, tantivy.FieldType.Date, low, high, include_upper=high is None
            )
            out.append((tantivy.Occur.Must, q))
        if self.categories:
            cats = [c.lower() for c in self.categories]
            out.append((tantivy.Occur.Must, tantivy.Query.term_set_query(schema, "categories", cats)))
        if self.has_code is not None:
            out.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "has_code", int(self.has_code))))
        if self.min_upvotes is not None:
            q = tantivy.Query.range_query(
                schema, "upvotes", tantivy.FieldType.Integer, int(self.min_upvotes), None
            )
            out.append((tantivy.Occur.Must, q))
        return out

    @property
    def active(self) -> bool:
        return any(
            v not in (None, [])
            for v in (
                self.published_from,
                self.published_to,
                self.featured_from,
                self.featured_to,
                self.categories,
                self.has_code,
                self.min_upvotes,
            )
        )


@dataclass
class Candidate:
    pk: int
    score: float
    bm25: float | None = None
    cosine: float | None = None


@dataclass
class Ranked:
    hits: list[Candidate]
    total: int
    semantic_used: bool = False


class Retriever:
    """Ranks paper pks for a parsed query in one of three modes. ``embed_query`` maps text to a unit vector."""

    def __init__(
        self,
        keyword: KeywordIndex,
        vectors: VectorSource | None = None,
        embed_query: Callable[[str], np.ndarray] | None = None,
        alpha: float = fusion.HYBRID_ALPHA,
        method: str = fusion.HYBRID_METHOD,
        prf_docs: int = PRF_DOCS,
        prf_dense: float = PRF_DENSE,
        prf_pool: int = PRF_POOL,
        reg_lambda: float = REG_LAMBDA,
        reg_neighbours: int = REG_NEIGHBOURS,
        keyword_tiers: bool = True,
        max_sentences: int = MAX_QUERY_SENTENCES,
    ) -> None:
        self.keyword = keyword
        self.vectors = vectors
        self.embed_query = embed_query
        self.alpha = alpha
        self.method = method
        self.keyword_tiers = keyword_tiers
        self.prf_docs, self.prf_dense, self.prf_pool = prf_docs, prf_dense, prf_pool
        self._searcher_at: tuple[float, tantivy.Searcher] | None = None
        self.reg_lambda, self.reg_neighbours = reg_lambda, reg_neighbours
        self.max_sentences = max_sentences

    def _searcher(self) -> tantivy.Searcher | None:
        """The keyword index's searcher. Asking the index checks the served generation on disk (a
        readlink and a stat); one search asks several times, so the answer is reused for SEARCHER_TTL
        seconds (a Retriever serves one request on the site; long-lived ones see a new index that late)."""
        now = time.monotonic()
        cached = self._searcher_at
        if cached is not None and now - cached[0] < SEARCHER_TTL:
            return cached[1]
        searcher = self.keyword.searcher()
        self._searcher_at = (now, searcher) if searcher is not None else None
        return searcher

    @property
    def semantic_available(self) -> bool:
        return self.vectors is not None and self.embed_query is not None

    # -- keyword -------------------------------------------------------------------------------------
    def _full_query(
        self, parsed: ParsedQuery, filters: SearchFilters, schema: tantivy.Schema, proximity: bool = True
    ) -> tantivy.Query | None:
        scoring = self._text_scoring(parsed, filters, schema, proximity)
        return scoring.query if scoring is not None else None

    def _text_scoring(
        self, parsed: ParsedQuery, filters: SearchFilters, schema: tantivy.Schema, proximity: bool = True
    ) -> TextScoring | None:
        """The keyword query of ``parsed`` with ``filters`` (None when nothing can match)."""
        extra = filters.clauses(schema)
        if not parsed.clauses and extra:  # no words, only filters: every paper that passes them
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()), *extra])
            return TextScoring(query, None, extra)
        parts = text_query_parts(schema, parsed, proximity=proximity)
        if parts is None:
            return None
        text = parts.query()
        query = text if not extra else tantivy.Query.boolean_query([(tantivy.Occur.Must, text), *extra])
        return TextScoring(query, parts, extra)

    def text_scores(
        self, scoring: TextScoring, pks: Sequence[int], parsed: ParsedQuery | None = None
    ) -> dict[int, float]:
        """Score under ``scoring``'s whole query of each of these pks that matches it: what a restricted
        search of ``scoring.query`` gives. With ``parsed`` (the query's words) and long posting lists
        (SEEK_WORDS_MIN_POSTINGS), the words are seeked per paper (:func:`_chain`) and each proximity
        boost is a restricted search of its own, instead of one walk of the whole query's union."""
        parts = scoring.parts
        if (
            parsed is None
            or parts is None
            or not parts.words
            or (parts.words_required and scoring.filters)
            or not self._walk_is_long(parsed, pks, phrases=False)
        ):
            # Short posting lists; or no words (nothing to seek); or words of which one must match beside
            # filters, whose constant scores would hide a paper matching none of them: one restricted
            # search of the whole query.
            return self._restricted(scoring.query, pks, len(pks))
        pk_filter = _pk_filter(self.keyword.schema, pks)
        scores = self._restricted_sum(parts.words, pks, parts.constraints + scoring.filters, pk_filter)
        if parts.words_required:  # nothing else scores here, and every word match scores above 0
            scores = {pk: s for pk, s in scores.items() if s > 0.0}
        for pk, extra in self._restricted_each(parts.boosts, pks, pk_filter).items():
            if pk in scores:
                scores[pk] += extra
        return scores

    def _walk_is_long(self, parsed: ParsedQuery, pks: Sequence[int], phrases: bool) -> bool:
        """Whether a restricted search of the query's words (or, ``phrases``, of its phrase tests) on
        these pks would read more postings than seeking them costs (SEEK_*_MIN_POSTINGS)."""
        searcher = self._searcher()
        terms = analyze(parsed.free_text)
        if searcher is None or not terms or not pks:
            return False
        freqs = [searcher.doc_freq("text", term) for term in terms]
        spanned = min(1.0, _WINDOW_DOCS * len(pks) / max(1, searcher.num_docs))
        postings = (min(freqs) if phrases else sum(freqs)) * spanned
        return postings >= (SEEK_PHRASES_MIN_POSTINGS if phrases else SEEK_WORDS_MIN_POSTINGS)

    def keyword_ranked(
        self,
        parsed: ParsedQuery,
        filters: SearchFilters,
        limit: int,
        offset: int = 0,
        order_by: str | None = None,
        tiers: bool = True,
        count: bool = True,
        rerank_depth: int = RERANK_DEPTH,
    ) -> Ranked:
        """BM25 ranking (or ``order_by`` a fast field, descending) with the exact number of matches
        (``count=False``: ``total`` is only the number of hits returned, and the search is cheaper).
        ``tiers=False``: plain BM25 order (hybrid search tiers its fused list itself).

        The query runs without its proximity boosts (a flat union of term queries with the same matches,
        about a third cheaper at 1M papers). For relevance order its top ``max(rerank_depth, offset +
        limit)`` then get the boosts' scores added (``_restricted_any``), which makes each one's score its
        score under the whole query. A paper outside that top that only the boosts would lift onto the
        page is missed; the boosts reward the query's words side by side, which already scores high."""
        searcher = self._searcher()
        if searcher is None:
            return Ranked([], 0)
        schema = self.keyword.schema
        query = self._full_query(parsed, filters, schema, proximity=False)
        if query is None:
            return Ranked([], 0)
        tiers = tiers and not order_by and self.keyword_tiers and offset + limit <= CANDIDATES
        if order_by:
            result = searcher.search(query, limit, count=count, order_by_field=order_by, offset=offset)
        else:
            result = searcher.search(query, max(rerank_depth, offset + limit), count=count)
        addresses = [addr for _, addr in result.hits]
        pks = searcher.fast_field_values("pk", addresses) if addresses else []
        hits = [
            Candidate(_pk(pk), float(score) if not order_by else 0.0, bm25=None if order_by else float(score))
            for (score, _), pk in zip(result.hits, pks, strict=True)
        ]
        total = int(getattr(result, "count", 0) or 0) if count else len(hits)
        if not order_by and hits:
            boosts = proximity_queries(schema, parsed)
            if boosts:
                extra = self._restricted_any(parsed, boosts, [c.pk for c in hits])
                for c in hits:
                    c.score += extra.get(c.pk, 0.0)
                    c.bm25 = c.score
                hits.sort(key=lambda c: -c.score)  # stable: ties keep the index's order
            if not tiers:
                hits = hits[offset : offset + limit]
        if tiers:
            by_pk = {c.pk: c for c in hits}
            ordered = self.tiered(parsed, filters, [(c.pk, c.score) for c in hits], CANDIDATES)
            hits = [by_pk[pk] for pk, _ in ordered][offset : offset + limit]
        return Ranked(hits, total)

    def _restricted(
        self,
        query: tantivy.Query,
        pks: Sequence[int],
        limit: int,
        pk_filter: tantivy.Query | None = None,
    ) -> dict[int, float]:
        """Scores of ``query`` on these pks only (the ones that match). ``pk_filter``: ``_pk_filter`` of
        these pks, if already built (about 1.3 us a pk)."""
        searcher = self._searcher()
        if searcher is None or not pks:
            return {}
        q = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, query),
                (tantivy.Occur.Must, pk_filter or _pk_filter(self.keyword.schema, pks)),
            ]
        )
        result = searcher.search(q, max(limit, len(pks)), count=False)
        addresses = [addr for _, addr in result.hits]
        values = searcher.fast_field_values("pk", addresses) if addresses else []
        return {_pk(pk): float(score) for (score, _), pk in zip(result.hits, values, strict=True)}

    def _restricted_sum(
        self,
        optional: Sequence[tantivy.Query],
        pks: Sequence[int],
        required: Sequence[tuple[tantivy.Occur, tantivy.Query]] = (),
        pk_filter: tantivy.Query | None = None,
    ) -> dict[int, float]:
        """For each of these pks that satisfies ``required`` (Must / MustNot clauses; all pks when none):
        the scores of its Must clauses plus those of the ``optional`` term queries it matches (0.0 when
        none). One restricted search, the optional queries chained (:func:`_chain`)."""
        searcher = self._searcher()
        if searcher is None or not pks:
            return {}
        root = pk_filter or _pk_filter(self.keyword.schema, pks)
        if required:
            root = tantivy.Query.boolean_query([(tantivy.Occur.Must, root), *required])
        result = searcher.search(_chain(root, optional), len(pks), count=False)
        addresses = [addr for _, addr in result.hits]
        values = searcher.fast_field_values("pk", addresses) if addresses else []
        return {_pk(pk): float(score) for (score, _), pk in zip(result.hits, values, strict=True)}

    def _restricted_each(
        self, queries: Sequence[tantivy.Query], pks: Sequence[int], pk_filter: tantivy.Query | None = None
    ) -> dict[int, float]:
        """The sum of the scores of ``queries`` on each of these pks that matches any of them: one
        restricted search per query (one pk filter for all), not one of their union."""
        if not queries or not pks:
            return {}
        pk_filter = pk_filter or _pk_filter(self.keyword.schema, pks)
        out: dict[int, float] = {}
        for query in queries:
            for pk, score in self._restricted(query, pks, len(pks), pk_filter).items():
                out[pk] = out.get(pk, 0.0) + score
        return out

    def _restricted_any(
        self, parsed: ParsedQuery, queries: Sequence[tantivy.Query], pks: Sequence[int]
    ) -> dict[int, float]:
        """The sum of the scores of the phrase ``queries`` of ``parsed`` on each of these pks that matches
        any: a restricted search of their union on short posting lists, one per query on long ones."""
        if len(queries) > 1 and self._walk_is_long(parsed, pks, phrases=True):
            return self._restricted_each(queries, pks)
        if not queries:
            return {}
        union = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])
        return self._restricted(union if len(queries) > 1 else queries[0], pks, len(pks))

    def allowed(self, parsed: ParsedQuery, filters: SearchFilters, pks: Sequence[int]) -> set[int]:
        """Those pks that satisfy the query's required/excluded clauses, categories and the filters."""
        schema = self.keyword.schema
        clauses = constraint_query(schema, parsed) + filters.clauses(schema)
        if not clauses:
            return set(pks)
        if not any(o == tantivy.Occur.Must for o, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return set(self._restricted(tantivy.Query.boolean_query(clauses), pks, len(pks)))

    def _known_item_query(self, parsed: ParsedQuery) -> tuple[tantivy.Query, int] | None:
        """The known-item test as a query, and the run's number of index terms: the whole plain-word query
        as a phrase in the title (slop 1 for >= KNOWN_ITEM_MIN_TERMS terms, adjacent for 2); None when the
        query has fewer than 2 index terms."""
        words = [
            c.text
            for c in parsed.clauses
            if c.kind in ("term", "phrase") and c.field is None and c.occur != "must_not"
        ]
        run = analyze_positions(" ".join(words))
        if len(run) < 2:
            return None
        first = run[0][0]
        slop = 1 if len(run) >= KNOWN_ITEM_MIN_TERMS else 0
        q = tantivy.Query.phrase_query(self.keyword.schema, "title", [(p - first, t) for p, t in run], slop)
        return q, len(run)

    def _exact_phrase_query(self, parsed: ParsedQuery) -> tantivy.Query | None:
        """The exact-phrase tier's test: the whole plain-word query (>= 2 index terms) as an exact phrase
        (slop 0) in title + abstract; None for a query with typed phrases or prefixes, or < 2 terms."""
        words = [
            c.text for c in parsed.clauses if c.kind == "term" and c.field is None and c.occur != "must_not"
        ]
        if len(words) != len([c for c in parsed.clauses if c.field is None and c.occur != "must_not"]):
            return None  # typed phrases or prefixes: the query is not one plain phrase
        run = analyze_positions(" ".join(words))
        if len(run) < 2:
            return None
        first = run[0][0]
        return tantivy.Query.phrase_query(self.keyword.schema, "text", [(p - first, t) for p, t in run])

    def _short_known_items(self, found: set[int], terms: int) -> set[int]:
        """Of papers whose title holds a 2-term query, those whose title it makes up at least half of."""
        searcher = self._searcher()
        if searcher is None or not found:
            return set()
        hits = searcher.search(_pk_filter(self.keyword.schema, list(found)), len(found))
        keep = set()
        for _, addr in hits.hits:
            doc = searcher.doc(addr).to_dict()
            if terms * 2 >= len(analyze(" ".join(doc.get("title", [])))):
                keep.add(_pk(doc["pk"][0]))
        return keep

    def tier_sets(
        self, parsed: ParsedQuery, filters: SearchFilters, pks: Sequence[int]
    ) -> tuple[set[int], set[int]]:
        """(known items, exact-phrase items) among these pks: the tiers of :meth:`tiered`.

        Known items: papers whose title holds the whole plain-word query as a phrase (a query of >= 3
        index terms, slop 1; or of 2 that make up at least half of that title, adjacent, as in "Attention
        Is All You Need"). Exact-phrase items (when EXACT_PHRASE_TIER): title or abstract holds the whole
        plain-word query as an exact phrase. Both tests run as one restricted search whose constant scores
        say which matched (1 known, 2 exact, 3 both)."""
        known_q = self._known_item_query(parsed)
        exact_q = self._exact_phrase_query(parsed) if EXACT_PHRASE_TIER else None
        parts = []
        if known_q is not None:
            parts.append(tantivy.Query.const_score_query(known_q[0], 1.0))
        if exact_q is not None:
            parts.append(tantivy.Query.const_score_query(exact_q, 2.0))
        if not parts or not pks:
            return set(), set()
        scores = self._restricted_any(parsed, parts, pks)
        known = {pk for pk, s in scores.items() if round(s) in (1, 3)}
        exact = {pk for pk, s in scores.items() if round(s) in (2, 3)}
        if known_q is not None and known_q[1] < KNOWN_ITEM_MIN_TERMS:
            known = self._short_known_items(known, known_q[1])
        return known, exact

    def tiered(
        self,
        parsed: ParsedQuery,
        filters: SearchFilters,
        ranked: list[tuple[int, float]],
        depth: int,
        sets: tuple[set[int], set[int]] | None = None,
    ) -> list[tuple[int, float]]:
        """Exact matches first, meaning after (DOMAIN.md: meaning must never bury exact matches).
        Among the top ``depth``: papers whose title holds the query (known items), then papers whose
        title or abstract holds the query as an exact phrase (when EXACT_PHRASE_TIER), then the rest;
        each tier keeps its order. ``sets``: ``tier_sets`` of any superset of the top ``depth``, if
        already known."""
        if not ranked:
            return ranked
        head = [pk for pk, _ in ranked[:depth]]
        if sets is None:
            known, exact = self.tier_sets(parsed, filters, head)
        else:
            known, exact = sets[0].intersection(head), sets[1].intersection(head)
        if not known and not exact:
            return ranked
        order = {pk: i for i, (pk, _) in enumerate(ranked)}
        return sorted(ranked, key=lambda item: (item[0] not in known, item[0] not in exact, order[item[0]]))

    # -- semantic ------------------------------------------------------------------------------------
    def _query_vector(self, parsed: ParsedQuery) -> np.ndarray | None:
        """The query's unit vector (384,): the free text's embedding; for a query of several sentences the
        normalised sum of that and each sentence's embedding (MAX_QUERY_SENTENCES). None without text."""
        if not self.semantic_available:
            return None
        text = parsed.free_text
        if not text:
            return None
        assert self.embed_query is not None
        whole = self.embed_query(text)
        sentences = query_sentences(text, self.max_sentences)
        if len(sentences) < 2:
            return whole
        total = np.sum([whole, *(self.embed_query(s) for s in sentences)], axis=0)
        norm = float(np.linalg.norm(total))
        return (total / norm).astype(np.float32) if norm > 0 else whole

    def semantic_ranked(self, parsed: ParsedQuery, filters: SearchFilters, depth: int) -> Ranked:
        """Nearest papers by cosine, restricted to those passing the constraints and filters."""
        qvec = self._query_vector(parsed)
        if qvec is None:
            return Ranked([], 0)
        assert self.vectors is not None
        constrained = bool(constraint_query(self.keyword.schema, parsed)) or filters.active
        pool = self.vectors.top_k(qvec, depth * 5 if constrained else depth)
        if constrained:
            ok = self.allowed(parsed, filters, [pk for pk, _ in pool])
            pool = [(pk, s) for pk, s in pool if pk in ok]
        pool = pool[:depth]
        return Ranked([Candidate(pk, s, cosine=s) for pk, s in pool], len(pool), semantic_used=True)

    # -- hybrid --------------------------------------------------------------------------------------
    def _union_scores(
        self,
        query: TextScoring | None,
        qvec: np.ndarray,
        kw: list[Candidate],
        sem: list[Candidate],
        vecs: CandidateVectors,
        known_bm25: dict[int, float] | None = None,
        parsed: ParsedQuery | None = None,
    ) -> tuple[dict[int, float], dict[int, float]]:
        """BM25 and cosine for every candidate of either list (BM25 0 when it matches no query word).
        ``vecs`` holds the keyword candidates' vectors; ``known_bm25``: BM25 scores already computed for
        this query (not asked again)."""
        bm25 = {c.pk: c.bm25 or 0.0 for c in kw}
        cosine = {c.pk: c.cosine or 0.0 for c in sem}
        cosine.update(vecs.scores(qvec, [pk for pk in bm25 if pk not in cosine]))
        known = known_bm25 or {}
        missing = []
        for pk in cosine:
            if pk in bm25:
                continue
            if pk in known:
                bm25[pk] = known[pk]
            else:
                missing.append(pk)
        if missing and query is not None:
            found = self.text_scores(query, missing, parsed)
            bm25.update({pk: found.get(pk, 0.0) for pk in missing})
        return bm25, cosine

    def hybrid_ranked(self, parsed: ParsedQuery, filters: SearchFilters, depth: int = CANDIDATES) -> Ranked:
        """The site's hybrid ranking (formulas and sources in paperboy.search.fusion):

        1. first pass: BM25 top ``depth`` and cosine top ``depth``; every candidate of the union gets both
           scores; fused by the convex combination of z-scores (alpha = HYBRID_ALPHA on BM25).
        2. dense pseudo-relevance feedback: the query vector moves towards the mean vector of the top
           PRF_DOCS fused papers (Rocchio 1971: q' = q + beta * mean(d)), the cosine side is taken again
           as q''s top ``depth`` among the first search's top PRF_POOL, and the union is fused again.
        3. score regularisation (Diaz 2005): each candidate's fused score is mixed with the mean score of
           its REG_NEIGHBOURS nearest candidates by embedding, s' = (1 - lambda) s + lambda mean(s_nn).
        4. the known-item rule: papers whose title holds the whole query as a phrase stay on top.
        """
        text_query = self._text_scoring(parsed, filters, self.keyword.schema)
        # The query embedding, the first cosine search and its hits' BM25 run beside the keyword search.
        semantic = _background().submit(self._first_semantic, parsed, filters, depth, text_query)
        # The keyword side's top ``depth``, proximity boosts applied to those (see RERANK_DEPTH); with
        # depth >= CANDIDATES keyword tiers would only reorder them, so they are left to the fused list.
        kw = self.keyword_ranked(
            parsed, filters, depth, tiers=depth < CANDIDATES, count=False, rerank_depth=depth
        )
        first = semantic.result()
        if first is None:
            return self.keyword_ranked(parsed, filters, depth) if depth >= CANDIDATES else kw
        assert self.vectors is not None
        qvec, sem_pool, sem_bm25 = first
        sem_hits = sem_pool[:depth]
        # Every vector this search needs (the keyword candidates' and the semantic pool's), fetched once.
        vecs = CandidateVectors(self.vectors, [c.pk for c in kw.hits] + [c.pk for c in sem_pool])
        bm25, cosine = self._union_scores(
            text_query, qvec, kw.hits, sem_hits, vecs, known_bm25=sem_bm25, parsed=parsed
        )
        fused = fusion.fuse(bm25, cosine, self.method, self.alpha)
        tiers = None
        if self._prf and fused:
            rows = [vecs.row[pk] for pk, _ in fused[: self.prf_docs] if pk in vecs.row]
            if rows:
                moved = qvec + self.prf_dense * vecs.matrix[rows].mean(axis=0)
                qvec = (moved / np.linalg.norm(moved)).astype(np.float32)
                rescored = vecs.scores(qvec, [c.pk for c in sem_pool])
                best = sorted(rescored.items(), key=lambda item: (-item[1], item[0]))[:depth]
                sem_hits = [Candidate(pk, s, cosine=s) for pk, s in best]
                # The candidates are final here (keyword hits + these): their tiers are found meanwhile.
                pool = list(dict.fromkeys([c.pk for c in kw.hits] + [c.pk for c in sem_hits]))
                tiers = _background().submit(self.tier_sets, parsed, filters, pool)
                bm25, cosine = self._union_scores(
                    text_query, qvec, kw.hits, sem_hits, vecs, known_bm25=bm25, parsed=parsed
                )
                fused = fusion.fuse(bm25, cosine, self.method, self.alpha)
        if self.reg_lambda > 0 and len(fused) > self.reg_neighbours:
            fused = self._regularise(fused, vecs)
        fused = self.tiered(parsed, filters, fused, depth, sets=tiers.result() if tiers else None)
        hits = [Candidate(pk, s, bm25=bm25.get(pk), cosine=cosine.get(pk)) for pk, s in fused]
        return Ranked(hits, len(hits), semantic_used=True)

    @property
    def _prf(self) -> bool:
        return self.prf_docs > 0 and self.prf_dense > 0

    def _first_semantic(
        self, parsed: ParsedQuery, filters: SearchFilters, depth: int, query: TextScoring | None
    ) -> tuple[np.ndarray, list[Candidate], dict[int, float]] | None:
        """The query vector, its cosine top ``max(depth, prf_pool)`` (the pool the feedback query
        re-ranks; ``depth`` without feedback) and the BM25 of the top ``depth`` under ``query`` (0 when
        they do not match it; none at all without a ``query``); None when there is no query vector."""
        qvec = self._query_vector(parsed)
        if qvec is None:
            return None
        pool = self._semantic_from_vector(
            qvec, parsed, filters, depth, keep=self.prf_pool if self._prf else 0
        )
        if query is None:
            return qvec, pool, {}
        pks = [c.pk for c in pool[:depth]]
        found = self.text_scores(query, pks, parsed)
        return qvec, pool, {pk: found.get(pk, 0.0) for pk in pks}

    def _regularise(self, fused: list[tuple[int, float]], vecs: CandidateVectors) -> list[tuple[int, float]]:
        """Score regularisation over the candidates' embedding k-nearest-neighbour graph (``vecs`` holds
        the candidates' vectors)."""
        rows = [(pk, s, i) for pk, s in fused if (i := vecs.row.get(pk)) is not None]
        k = self.reg_neighbours
        if len(rows) <= k:
            return fused
        matrix = vecs.matrix[[i for _, _, i in rows]]
        scores = np.array([s for _, s, _ in rows], dtype=np.float64)
        sims = matrix @ matrix.T
        np.fill_diagonal(sims, -np.inf)
        neighbours = np.argpartition(-sims, k, axis=1)[:, :k]
        smoothed = (1 - self.reg_lambda) * scores + self.reg_lambda * scores[neighbours].mean(axis=1)
        out = {pk: float(v) for (pk, _, _), v in zip(rows, smoothed, strict=True)}
        low = float(smoothed.min())
        for pk, s in fused:  # candidates without a vector keep their place at the bottom
            out.setdefault(pk, min(s, low))
        return sorted(out.items(), key=lambda item: (-item[1], item[0]))

    def _semantic_from_vector(
        self, qvec: np.ndarray, parsed: ParsedQuery, filters: SearchFilters, depth: int, keep: int = 0
    ) -> list[Candidate]:
        """The nearest ``max(depth, keep)`` papers that pass the query's constraints and the filters. With
        constraints, ``5 * depth`` nearest papers are checked (one restricted search), whatever ``keep``."""
        assert self.vectors is not None
        size = max(depth, keep)
        constrained = bool(constraint_query(self.keyword.schema, parsed)) or filters.active
        pool = self.vectors.top_k(qvec, depth * 5 if constrained else size)
        if constrained:
            ok = self.allowed(parsed, filters, [pk for pk, _ in pool])
            pool = [(pk, s) for pk, s in pool if pk in ok]
        return [Candidate(pk, s, cosine=s) for pk, s in pool[:size]]

    def rrf_ranked(
        self, parsed: ParsedQuery, filters: SearchFilters, depth: int = CANDIDATES, k: int = fusion.RRF_K
    ) -> list[int]:
        """Plain RRF(k) of the keyword and semantic top-``depth`` lists: the eval baseline."""
        kw = [c.pk for c in self.keyword_ranked(parsed, filters, depth).hits]
        sem = [c.pk for c in self.semantic_ranked(parsed, filters, depth).hits]
        return fusion.rrf([kw, sem], k=k)
