"""The ONNX embedder: fidelity to sentence-transformers, shapes, dtypes, normalisation, odd inputs."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from paperboy.search import embeddings
from paperboy.search.embeddings import DIM, embed_query, embed_texts, model_version, paper_text, text_hash

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def sample() -> tuple[list[str], np.ndarray]:
    meta = json.loads((DATA / "fidelity_sample.json").read_text())
    ref = np.load(DATA / "fidelity_reference.npy")
    assert ref.shape == (len(meta["texts"]), DIM)
    return meta["texts"], ref


@pytest.fixture(scope="module")
def ours(sample) -> np.ndarray:
    return embed_texts(sample[0])


def test_fidelity_against_sentence_transformers_reference(sample, ours):
    """Mean cosine >= 0.99 against vectors computed once by sentence-transformers (torch fp32) on
    real arXiv titles + abstracts (scripts/make_reference_vectors.py)."""
    texts, ref = sample
    cos = (ours * ref).sum(axis=1)
    print(f"fidelity vs sentence-transformers: mean {cos.mean():.4f} min {cos.min():.4f} (n={len(cos)})")
    assert cos.mean() >= 0.99
    assert cos.min() >= 0.98
    # Each text's nearest reference vector is its own.
    assert (np.argmax(ours @ ref.T, axis=1) == np.arange(len(texts))).all()


def test_batching_and_order_barely_change_vectors(sample):
    """int8 dynamic quantization scales activations per batch, so a vector depends a little on its
    batch mates; the change must stay far below the fidelity budget, and the output order is the input's."""
    texts = sample[0][:12]
    a = embed_texts(texts, batch_size=32)
    b = embed_texts(texts[::-1], batch_size=5)[::-1]
    assert (a * b).sum(axis=1).min() > 0.995


def test_shapes_dtypes_and_unit_norm(ours):
    vecs = ours
    assert vecs.shape == (66, DIM) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    empty = embed_texts([])
    assert empty.shape == (0, DIM) and empty.dtype == np.float32
    with pytest.raises(TypeError):
        embed_texts("one string is not a list")


@pytest.mark.parametrize(
    "query",
    ["", "   ", "diffusion " * 2000, "Schrödinger bridges für Bildgenerierung — 扩散模型 🚀", "a\x00b\n\tc"],
)
def test_query_embedding_of_odd_text(query):
    vec = embed_query(query)
    assert vec.shape == (DIM,) and vec.dtype == np.float32
    assert np.isfinite(vec).all()
    assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-5


def test_very_long_text_is_truncated_not_rejected():
    long_vec = embed_query("graph neural networks " * 500)
    short_vec = embed_query("graph neural networks " * 100)  # 300 tokens: already truncated
    assert float(long_vec @ short_vec) > 0.999


def test_query_ranks_the_related_abstract_first(sample, ours):
    texts, docs = sample[0], ours
    # A query made from the words of one title must find that paper among the top 3.
    title = texts[7].split(". ")[0]
    q = embed_query(" ".join(title.lower().split()[:8]))
    assert 7 in np.argsort(-(docs @ q))[:3]


def test_singleton_is_thread_safe(monkeypatch):
    monkeypatch.setattr(embeddings, "_embedder", None)
    monkeypatch.setattr(embeddings, "_query_embedder", None)
    embeddings.clear_query_cache()
    seen: list[int] = []
    seen_query: list[int] = []

    def work() -> None:
        seen.append(id(embeddings.get_embedder()))
        seen_query.append(id(embeddings.get_query_embedder()))
        embed_query("thread safety")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1 and len(set(seen_query)) == 1


def test_query_embedder_gives_the_paper_embedders_vectors():
    """Queries run on a one-thread session of the same model: the same vector as the paper embedder's."""
    query, paper = embeddings.get_query_embedder(), embeddings.get_embedder()
    assert query is not paper and query.threads == 1
    texts = ["sparse attention for long documents", "graph neural networks", "q"]
    for text in texts:
        np.testing.assert_allclose(query.embed([text], 1), paper.embed([text], 1), atol=1e-6)


def test_sessions_side_by_side_give_the_one_session_vectors_in_input_order(sample):
    """Batches spread over two single-threaded sessions: each row is the vector one session gives for
    the same batch, in input order (the rows are sorted by length into batches, then put back)."""
    texts = sample[0][:30]
    two = embeddings.Embedder(threads=2)
    one = embeddings.Embedder(threads=1)
    assert len(two.sessions) == 2 and len(one.sessions) == 1
    a, b = two.embed(texts, batch_size=4), one.embed(texts, batch_size=4)
    np.testing.assert_allclose(a, b, atol=1e-6)
    # Not all rows equal by accident: each text's vector is nearest to its own.
    assert (np.argmax(a @ b.T, axis=1) == np.arange(len(texts))).all()


def test_paper_text_and_hash():
    paper = SimpleNamespace(
        title="A stellar halo walks\n  into a bar.", abstract="We show that Pi\\v{z}urica's\n method works."
    )
    text = paper_text(paper)
    assert text == "A stellar halo walks into a bar. We show that Pižurica's method works."
    assert paper_text({"title": "Only a title", "abstract": ""}) == "Only a title"
    assert text_hash(text) == text_hash(text) and text_hash(text) != text_hash(text + " ")
    assert len(text_hash(text)) == 32


def test_model_version_names_the_artifact():
    version = model_version()
    assert version.startswith("all-MiniLM-L6-v2/minilm-int8/")
    assert len(version.rsplit("/", 1)[1]) == 12


def test_query_vectors_are_cached_and_read_only():
    embeddings.clear_query_cache()
    a = embed_query("contrastive learning for retrieval")
    assert embed_query("contrastive learning for retrieval") is a
    with pytest.raises(ValueError):
        a[0] = 1.0
    embeddings.clear_query_cache()
    b = embed_query("contrastive learning for retrieval")
    assert b is not a and np.allclose(a, b)
