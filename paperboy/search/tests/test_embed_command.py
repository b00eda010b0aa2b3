"""manage.py embed and rebuild_vector_index against the real database and the real embedder."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from paperboy.papers.models import Paper
from paperboy.search import semantic, vectors
from paperboy.search.embeddings import embed_query, model_version
from paperboy.search.models import PaperEmbedding

pytestmark = pytest.mark.django_db

SAMPLE = json.loads((Path(__file__).parent / "data" / "fidelity_sample.json").read_text())


def _papers(n: int, start: int = 0) -> list[Paper]:
    out = []
    for i in range(start, start + n):
        title, _, abstract = SAMPLE["texts"][i].partition(". ")
        out.append(Paper.objects.create(arxiv_id=f"2501.{10000 + i}", title=title, abstract=abstract[:400]))
    return out


def _embed(**options) -> str:
    out = StringIO()
    call_command("embed", stdout=out, **options)
    return out.getvalue()


def test_embed_is_resumable_and_idempotent():
    papers = _papers(10)
    first = _embed(limit=4, batch_size=3)
    assert "4/4 papers" in first and PaperEmbedding.objects.count() == 4
    # The first four by primary key are done; the rest are still pending.
    assert set(PaperEmbedding.objects.values_list("paper_id", flat=True)) == {p.pk for p in papers[:4]}
    assert semantic.stale_papers().count() == 6
    second = _embed()
    assert "6 embedded" in second and PaperEmbedding.objects.count() == 10
    third = _embed()
    assert "0 embedded, 0 unchanged of 0 pending" in third and PaperEmbedding.objects.count() == 10
    row = PaperEmbedding.objects.get(paper=papers[0])
    vec = row.as_array()
    assert vec.shape == (384,) and vec.dtype == np.float32 and abs(np.linalg.norm(vec) - 1) < 1e-5
    assert row.model_version == model_version()


def test_changed_text_is_re_embedded_but_upvotes_alone_are_not():
    papers = _papers(3)
    _embed()
    before = PaperEmbedding.objects.get(paper=papers[1]).as_array()
    Paper.objects.filter(pk=papers[0].pk).update(upvote_count=5)
    papers[0].refresh_from_db()
    papers[0].upvote_count = 6
    papers[0].save()  # bumps modified_at
    papers[1].abstract = "An entirely different abstract about protein folding with diffusion models."
    papers[1].save()
    out = _embed()
    assert "1 embedded, 1 unchanged of 2 pending" in out
    after = PaperEmbedding.objects.get(paper=papers[1]).as_array()
    assert float(before @ after) < 0.95
    assert semantic.stale_papers().count() == 0
    # The index serves the new vector of the changed paper.
    index = vectors.get_index()
    np.testing.assert_allclose(index.vector(papers[1].pk), after, atol=1e-6)


def test_embed_job_keeps_the_index_in_step_with_new_papers():
    _papers(6)
    _embed()
    out = StringIO()
    call_command("rebuild_vector_index", stdout=out)
    assert "exact, 6 vectors" in out.getvalue()
    index = vectors.get_index()
    assert len(index) == 6
    (newcomer,) = _papers(1, start=20)
    q = embed_query(newcomer.title)
    assert newcomer.pk not in [pk for pk, _ in index.search(q, 10)]
    _embed()  # no rebuild: the job appends to the served index
    assert len(index) == 7
    assert index.search(q, 1)[0][0] == newcomer.pk
    # A rebuild from the database gives the same answer.
    call_command("rebuild_vector_index", stdout=StringIO())
    assert len(index) == 7 and index.search(q, 1)[0][0] == newcomer.pk
    assert vectors.site_vector_source() is index


def test_rebuild_can_build_hnsw_and_search_it():
    papers = _papers(8)
    _embed()
    out = StringIO()
    call_command("rebuild_vector_index", threshold=1, stdout=out)
    assert "hnsw, 8 vectors" in out.getvalue()
    q = embed_query(papers[3].title)
    assert vectors.get_index().search(q, 1)[0][0] == papers[3].pk


def test_second_run_at_once_does_nothing_twice():
    _papers(2)
    with semantic.embed_lock():
        out = _embed()
    assert "another embed job is running" in out
    assert PaperEmbedding.objects.count() == 0
    _embed()
    assert PaperEmbedding.objects.count() == 2


def test_concurrent_writes_of_the_same_papers_do_not_duplicate():
    papers = _papers(3)
    checked = semantic.timezone.now()
    rows = [(p.pk, p.title, p.abstract) for p in papers]
    semantic._embed_chunk(rows, checked, batch_size=8)
    PaperEmbedding.objects.update(text_hash="0" * 32)  # as if another run had stored other text
    semantic._embed_chunk(rows, checked, batch_size=8)  # the upsert overwrites in place
    assert PaperEmbedding.objects.count() == 3
    n_delta, _ = vectors.delta_size()
    assert n_delta == 6 and len(vectors.get_index()) == 3


def test_vectors_stored_but_missing_from_the_index_are_recovered():
    papers = _papers(3)
    _embed()
    # As if a run had died after storing a vector and before appending it to the index.
    (extra,) = _papers(1, start=30)
    vec = embed_query(extra.title)
    PaperEmbedding.objects.create(
        paper=extra,
        vector=PaperEmbedding.pack(vec),
        model_version=model_version(),
        text_hash="x" * 32,
        updated_at=semantic.timezone.now(),
    )
    index = vectors.get_index()
    assert len(index) == 3
    out = _embed()
    assert "rebuilding it" in out
    assert len(index) == 4 and index.search(vec, 1)[0][0] == extra.pk
    assert {pk for pk, _ in index.search(vec, 10)} >= {p.pk for p in papers}
