"""Keyword, semantic and hybrid retrieval over one keyword index and one set of vectors.

This is the engine behind both the site (paperboy.search.services) and the eval harness
(paperboy.search.eval): the same parser, analyzer, BM25 weights and fusion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import tantivy

from paperboy.search import fusion
from paperboy.search.engine import KeywordIndex, analyze_positions
from paperboy.search.query import TITLE_PHRASE_BOOST, ParsedQuery, build_text_query, constraint_query

__all__ = ["ArrayVectors", "Candidate", "Retriever", "SearchFilters", "VectorSource"]

#: Candidates taken from each side before fusion (and the pool sorted by date/upvotes in hybrid mode).
CANDIDATES = 100
#: Known-item rule: a paper whose title contains the whole query (>= this many index terms) as a phrase
#: stays above papers that do not, whatever the fusion says. Meaning adds to exact matches, never buries them.
KNOWN_ITEM_MIN_TERMS = 3


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
    ) -> None:
        self.keyword = keyword
        self.vectors = vectors
        self.embed_query = embed_query
        self.alpha = alpha

    @property
    def semantic_available(self) -> bool:
        return self.vectors is not None and self.embed_query is not None

    # -- keyword -------------------------------------------------------------------------------------
    def _full_query(
        self, parsed: ParsedQuery, filters: SearchFilters, schema: tantivy.Schema
    ) -> tantivy.Query | None:
        extra = filters.clauses(schema)
        if not parsed.clauses and extra:  # no words, only filters: every paper that passes them
            return tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()), *extra])
        text = build_text_query(schema, parsed)
        if text is None:
            return None
        if not extra:
            return text
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, text), *extra])

    def keyword_ranked(
        self,
        parsed: ParsedQuery,
        filters: SearchFilters,
        limit: int,
        offset: int = 0,
        order_by: str | None = None,
    ) -> Ranked:
        """BM25 ranking (or ``order_by`` a fast field, descending) with the exact number of matches."""
        searcher = self.keyword.searcher()
        if searcher is None:
            return Ranked([], 0)
        query = self._full_query(parsed, filters, self.keyword.schema)
        if query is None:
            return Ranked([], 0)
        if order_by:
            result = searcher.search(query, limit, count=True, order_by_field=order_by, offset=offset)
        else:
            result = searcher.search(query, limit, count=True, offset=offset)
        addresses = [addr for _, addr in result.hits]
        pks = searcher.fast_field_values("pk", addresses) if addresses else []
        hits = [
            Candidate(int(pk), float(score) if not order_by else 0.0, bm25=None if order_by else float(score))
            for (score, _), pk in zip(result.hits, pks, strict=True)
        ]
        return Ranked(hits, int(result.count or 0))

    def _restricted(self, query: tantivy.Query, pks: Sequence[int], limit: int) -> dict[int, float]:
        """Scores of ``query`` on these pks only (the ones that match)."""
        searcher = self.keyword.searcher()
        if searcher is None or not pks:
            return {}
        q = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, query),
                (
                    tantivy.Occur.Must,
                    tantivy.Query.const_score_query(
                        tantivy.Query.term_set_query(self.keyword.schema, "pk", list(pks)), 0.0
                    ),
                ),
            ]
        )
        result = searcher.search(q, max(limit, len(pks)), count=False)
        addresses = [addr for _, addr in result.hits]
        values = searcher.fast_field_values("pk", addresses) if addresses else []
        return {int(pk): float(score) for (score, _), pk in zip(result.hits, values, strict=True)}

    def allowed(self, parsed: ParsedQuery, filters: SearchFilters, pks: Sequence[int]) -> set[int]:
        """Those pks that satisfy the query's required/excluded clauses, categories and the filters."""
        schema = self.keyword.schema
        clauses = constraint_query(schema, parsed) + filters.clauses(schema)
        if not clauses:
            return set(pks)
        if not any(o == tantivy.Occur.Must for o, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return set(self._restricted(tantivy.Query.boolean_query(clauses), pks, len(pks)))

    def known_items(self, parsed: ParsedQuery, filters: SearchFilters, pks: Sequence[int]) -> set[int]:
        """Pks (among these) whose title holds the whole plain-word query as a phrase (>= 3 terms)."""
        words = [
            c.text
            for c in parsed.clauses
            if c.kind in ("term", "phrase") and c.field is None and c.occur != "must_not"
        ]
        run = analyze_positions(" ".join(words))
        if len(run) < KNOWN_ITEM_MIN_TERMS or not pks:
            return set()
        first = run[0][0]
        q = tantivy.Query.phrase_query(self.keyword.schema, "title", [(p - first, t) for p, t in run], 1)
        return set(self._restricted(tantivy.Query.boost_query(q, TITLE_PHRASE_BOOST), pks, len(pks)))

    # -- semantic ------------------------------------------------------------------------------------
    def _query_vector(self, parsed: ParsedQuery) -> np.ndarray | None:
        if not self.semantic_available:
            return None
        text = parsed.free_text
        if not text:
            return None
        assert self.embed_query is not None
        return self.embed_query(text)

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
    def hybrid_ranked(self, parsed: ParsedQuery, filters: SearchFilters, depth: int = CANDIDATES) -> Ranked:
        """Convex combination of z-scored BM25 and cosine over the union of both top-``depth`` lists,
        every candidate scored by both (see paperboy.search.fusion), then the known-item rule."""
        kw = self.keyword_ranked(parsed, filters, depth)
        qvec = self._query_vector(parsed)
        if qvec is None:
            return kw
        sem = self.semantic_ranked(parsed, filters, depth)
        assert self.vectors is not None
        bm25 = {c.pk: c.bm25 or 0.0 for c in kw.hits}
        cosine = {c.pk: c.cosine or 0.0 for c in sem.hits}
        missing_cos = [pk for pk in bm25 if pk not in cosine]
        cosine.update(self.vectors.scores(qvec, missing_cos))
        missing_bm25 = [pk for pk in cosine if pk not in bm25]
        if missing_bm25:
            schema = self.keyword.schema
            text = build_text_query(schema, parsed)
            if text is not None:
                bm25.update(self._restricted(text, missing_bm25, len(missing_bm25)))
        fused = fusion.convex_zscore(bm25, cosine, self.alpha)
        known = self.known_items(parsed, filters, [pk for pk, _ in fused[:depth]]) if fused else set()
        if known:
            fused = sorted(fused, key=lambda item: (item[0] not in known, -item[1], item[0]))
        hits = [Candidate(pk, s, bm25=bm25.get(pk), cosine=cosine.get(pk)) for pk, s in fused]
        total = max(kw.total, len(hits))
        return Ranked(hits, total, semantic_used=True)

    def rrf_ranked(
        self, parsed: ParsedQuery, filters: SearchFilters, depth: int = CANDIDATES, k: int = fusion.RRF_K
    ) -> list[int]:
        """Plain RRF(k) of the keyword and semantic top-``depth`` lists: the eval baseline."""
        kw = [c.pk for c in self.keyword_ranked(parsed, filters, depth).hits]
        sem = [c.pk for c in self.semantic_ranked(parsed, filters, depth).hits]
        return fusion.rrf([kw, sem], k=k)
