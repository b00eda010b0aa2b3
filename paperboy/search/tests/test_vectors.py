"""The vector index: exact search against brute force, HNSW recall, delta appends, atomic rebuild swap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperboy.search import vectors as V
from paperboy.search.embeddings import DIM

DATA = Path(__file__).parent / "data"


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def realish() -> tuple[np.ndarray, np.ndarray]:
    """3,000 vectors near real MiniLM paper vectors (the 66 fidelity references plus noise), shuffled pks."""
    rng = np.random.default_rng(7)
    real = np.load(DATA / "fidelity_reference.npy")
    base = real[rng.integers(0, len(real), 3000)]
    vecs = _unit(base + rng.normal(scale=0.035, size=base.shape))
    ids = rng.permutation(np.arange(1, 3001, dtype=np.int64) * 7)
    return ids, vecs


def _serve(root: Path, ids: np.ndarray, vecs: np.ndarray, threshold: int) -> Path:
    gen = V.build_generation(root, ids, vecs, threshold=threshold, threads=1)
    with V._write_lock(root):
        V._swap(root, gen)
    return gen


def _brute(ids: np.ndarray, vecs: np.ndarray, q: np.ndarray, k: int) -> list[int]:
    return [int(ids[i]) for i in np.argsort(-(vecs @ q), kind="stable")[:k]]


def test_exact_search_matches_brute_force(tmp_path, realish):
    ids, vecs = realish
    root = tmp_path / "vectors"
    _serve(root, ids, vecs, threshold=10**9)
    index = V.VectorIndex(root)
    assert index.kind == "exact" and len(index) == len(ids)
    rng = np.random.default_rng(1)
    for q in _unit(vecs[:25] + rng.normal(scale=0.05, size=(25, DIM))):
        hits = index.search(q, 10)
        assert [pk for pk, _ in hits] == _brute(ids, vecs, q, 10)
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        np.testing.assert_allclose(scores[0], float(np.max(vecs @ q)), rtol=1e-5)
    # Restricted to candidates: the best among them, including unknown pks silently ignored.
    cand = [int(x) for x in ids[100:400]] + [-5]
    q = vecs[150]
    mask = np.isin(ids, cand)
    assert [pk for pk, _ in index.search(q, 5, candidate_ids=cand)] == _brute(ids[mask], vecs[mask], q, 5)


def test_hnsw_recall_at_10_against_exact(tmp_path, realish):
    ids, vecs = realish
    root = tmp_path / "vectors"
    _serve(root, ids, vecs, threshold=1000)
    index = V.VectorIndex(root, ef=96)
    assert index.kind == "hnsw"
    rng = np.random.default_rng(2)
    queries = _unit(vecs[rng.integers(0, len(vecs), 100)] + rng.normal(scale=0.05, size=(100, DIM)))
    recall = np.mean(
        [len({pk for pk, _ in index.search(q, 10)} & set(_brute(ids, vecs, q, 10))) / 10 for q in queries]
    )
    print(f"HNSW recall@10 = {recall:.3f}")
    assert recall >= 0.95
    # The stored vectors are reachable without a copy of the matrix.
    np.testing.assert_array_equal(index.vector(int(ids[3])), vecs[3])
    # Candidate restriction through faiss' selector when the candidate set is large.
    cand = ids[::2]
    hits = index._search_candidates(index._current(), vecs[0], 10, np.sort(cand))
    assert all(pk in set(cand.tolist()) for pk, _ in hits)


def test_appended_vectors_are_seen_by_a_loaded_reader_and_replace_old_rows(tmp_path, realish):
    ids, vecs = realish
    root = tmp_path / "vectors"
    _serve(root, ids[:500], vecs[:500], threshold=10**9)
    index = V.VectorIndex(root)
    assert len(index) == 500
    new_pk, moved_pk = 10**6, int(ids[0])
    target = vecs[2000]
    V.append_vectors([new_pk, moved_pk], np.stack([target, vecs[2001]]), root)
    assert len(index) == 501
    assert index.search(target, 1)[0][0] == new_pk
    np.testing.assert_array_equal(index.vector(moved_pk), vecs[2001])
    # The old vector of moved_pk no longer matches anything.
    hits = index.search(vecs[0], 3)
    assert hits[0][0] != moved_pk or hits[0][1] < 0.999
    assert index.scores(vecs[2001], [moved_pk, 424242]) == {moved_pk: pytest.approx(1.0, abs=1e-5)}
    # The batch lookup agrees with one lookup per pk (delta rows win; unknown pks are left out).
    batch = index.vectors([moved_pk, new_pk, int(ids[5]), 424242])
    assert sorted(batch) == sorted([moved_pk, new_pk, int(ids[5])])
    for pk, vec in batch.items():
        np.testing.assert_array_equal(vec, index.vector(pk))
    # So does the block lookup: ascending ids, repeats and unknown pks dropped, delta rows in place.
    block_ids, block = index.gather([new_pk, moved_pk, int(ids[5]), 424242, moved_pk])
    assert block_ids.tolist() == sorted([moved_pk, new_pk, int(ids[5])])
    assert block.shape == (3, 384) and block.dtype == np.float32
    for pk, vec in zip(block_ids.tolist(), block, strict=True):
        np.testing.assert_array_equal(vec, batch[pk])
    assert index.top_k(target, 2, exclude=[new_pk])[0][0] != new_pk


def test_append_without_any_build_creates_an_empty_generation(tmp_path):
    root = tmp_path / "vectors"
    index = V.VectorIndex(root)
    assert index.search(_unit(np.ones(DIM)), 5) == [] and len(index) == 0
    vec = _unit(np.arange(DIM, dtype=np.float32))
    V.append_vectors([42], vec[None, :], root)
    assert index.search(vec, 5) == [(42, pytest.approx(1.0, abs=1e-5))]


def test_rebuild_swap_is_atomic(tmp_path, realish, monkeypatch):
    ids, vecs = realish
    root = tmp_path / "vectors"
    first = _serve(root, ids[:300], vecs[:300], threshold=10**9)
    index = V.VectorIndex(root)
    assert len(index) == 300
    # A generation that is built but not swapped is not served.
    pending = V.build_generation(root, ids[:600], vecs[:600], threshold=10**9)
    assert len(index) == 300 and (root / "CURRENT").read_text() == first.name
    # A build that fails half-way leaves CURRENT and the served index untouched.
    real_save = np.save

    def broken_save(path, arr, *a, **kw):
        if str(path).endswith("vectors.npy"):
            raise OSError("disk full")
        return real_save(path, arr, *a, **kw)

    monkeypatch.setattr(V.np, "save", broken_save)
    with pytest.raises(OSError):
        V.build_generation(root, ids, vecs, threshold=10**9)
    monkeypatch.setattr(V.np, "save", real_save)
    assert (root / "CURRENT").read_text() == first.name and len(index) == 300
    # The swap: the reader picks up the new generation on its next search; old ones are pruned.
    with V._write_lock(root):
        V._swap(root, pending)
    assert len(index) == 600
    third = _serve(root, ids[:900], vecs[:900], threshold=10**9)
    assert len(index) == 900
    gens = {p.name for p in root.glob("gen-*")}
    assert third.name in gens and first.name not in gens and len(gens) <= 2


def test_build_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError):
        V.build_generation(tmp_path, np.array([1, 1]), np.zeros((2, DIM), np.float32))
    with pytest.raises(ValueError):
        V.build_generation(tmp_path, np.array([1, 2]), np.zeros((2, 10), np.float32))
