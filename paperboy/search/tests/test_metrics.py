import math

import pytest

from paperboy.search.eval import mrr_at_k, ndcg_at_k, recall_at_k
from paperboy.search.fusion import convex_zscore, rrf


def test_ndcg_binary_hand_computed():
    # relevant docs: a, c, e; ranking a b c: DCG = 1/log2(2) + 1/log2(4) = 1.5
    # ideal: three relevant at ranks 1..3: 1 + 1/log2(3) + 1/2
    ranked = ["a", "b", "c"]
    judged = {"a": 1, "c": 1, "e": 1}
    expected = 1.5 / (1 + 1 / math.log2(3) + 0.5)
    assert ndcg_at_k(ranked, judged) == pytest.approx(expected)


def test_ndcg_graded_hand_computed():
    # gains 2^rel - 1: b (rel 2) at rank 1 -> 3, a (rel 1) at rank 2 -> 1/log2(3)
    ranked = ["b", "a", "x"]
    judged = {"a": 1, "b": 2}
    assert ndcg_at_k(ranked, judged) == pytest.approx(1.0)
    # swapped: a first: 1 + 3/log2(3) over the ideal 3 + 1/log2(3)
    assert ndcg_at_k(["a", "b"], judged) == pytest.approx((1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3)))


def test_ndcg_cuts_at_k():
    assert ndcg_at_k(["x"] * 10 + ["a"], {"a": 1}) == 0.0


def test_mrr_and_recall():
    assert mrr_at_k(["x", "y", "a"], {"a": 1}) == pytest.approx(1 / 3)
    assert mrr_at_k(["x"] * 10 + ["a"], {"a": 1}) == 0.0
    assert recall_at_k(["a", "x", "c"], {"a": 1, "c": 1, "e": 1, "z": 0}) == pytest.approx(2 / 3)
    assert recall_at_k([], {}) == 0.0


def test_rrf_hand_computed():
    # doc 1: 1/61 + 1/62; doc 2: 1/62 + 1/61; doc 3: 1/63 -> 1 and 2 tie (first seen first), then 3
    assert rrf([[1, 2, 3], [2, 1]]) == [1, 2, 3]
    assert rrf([[1, 2], [3, 2]])[0] == 2


def test_convex_zscore_rewards_agreement():
    bm25 = {1: 10.0, 2: 9.0, 3: 0.0}
    cos = {1: 0.1, 2: 0.8, 3: 0.9}
    fused = dict(convex_zscore(bm25, cos, alpha=0.5))
    assert max(fused, key=fused.get) == 2  # high on both beats high on one
    assert [d for d, _ in convex_zscore(bm25, cos, alpha=1.0)] == [1, 2, 3]
    assert [d for d, _ in convex_zscore(bm25, cos, alpha=0.0)] == [3, 2, 1]
