"""The issue's done-checks on real titles and abstracts: the recorded HF search page for "sparse guidance"
(58 papers) plus 150 arXiv cs distractors."""

import pytest

from paperboy.search import search_papers
from paperboy.search.services import SearchFilters

from .conftest import SPECTRAL_TITLE
from .test_query import NASTY

pytestmark = pytest.mark.django_db


def test_sparse_guidance_keyword_top3(seed_corpus):
    res = search_papers("sparse guidance", mode="keyword")
    top = [h.paper.title for h in res.hits[:3]]
    assert SPECTRAL_TITLE in top, top


def test_pasted_seed_titles_come_first_keyword(seed_corpus):
    for paper in seed_corpus[:58:5]:
        res = search_papers(paper.title, mode="keyword")
        assert res.hits[0].paper.pk == paper.pk, (paper.title, [h.paper.title for h in res.hits[:3]])


# A title paraphrased with none of its words (nor any word of the paper's abstract): only meaning can find it.
PARAPHRASES = [
    # "DisPose: Disentangling Pose Guidance for Controllable Human Image Animation"
    ("2412.09349", "making somebody in a still photo move like a dancer in another clip"),
    # "Sparse Model Soups: A Recipe for Improved Pruning via Model Averaging"
    ("2306.16788", "fusing several trimmed nets into a lone compact predictor"),
]


@pytest.fixture
def embedded_seed_corpus(seed_corpus):
    """The seed corpus with MiniLM vectors in the site's vector index (vec's embed job)."""
    from paperboy.search.semantic import embed_pending
    from paperboy.search.vectors import site_vector_source

    report = embed_pending(progress=lambda line: None)
    assert report.embedded == len(seed_corpus)
    assert site_vector_source() is not None
    return seed_corpus


def test_hybrid_and_meaning_on_seed_corpus(embedded_seed_corpus):
    # One test so the ~210 papers are embedded once.
    from paperboy.papers.models import Paper
    from paperboy.search import similar_papers
    from paperboy.search.engine import analyze

    # 1. The check: "sparse guidance" in hybrid mode has the spectral unmixing paper in the top 3.
    res = search_papers("sparse guidance", mode="hybrid")
    assert res.mode == "hybrid" and not res.notes
    top = [h.paper.title for h in res.hits[:3]]
    assert SPECTRAL_TITLE in top, top

    # 2. A query sharing no word with its target is found by meaning (semantic and hybrid), not by BM25.
    for arxiv_id, query in PARAPHRASES:
        target = Paper.objects.get(arxiv_id=arxiv_id)
        assert not set(analyze(query)) & set(analyze(target.title + " " + target.abstract)), query
        assert target.pk not in [h.pk for h in search_papers(query, mode="keyword").hits]
        for mode in ("semantic", "hybrid"):
            found = [h.pk for h in search_papers(query, mode=mode).hits[:3]]
            assert target.pk in found, (mode, query, found)

    # 3. Pasted titles still come first in hybrid mode (meaning never buries an exact match).
    for paper in embedded_seed_corpus[:58:4]:
        first = search_papers(paper.title, mode="hybrid").hits[0]
        assert first.pk == paper.pk, paper.title

    # 4. Similar papers: nearest by embedding, never the paper itself.
    spectral = Paper.objects.get(arxiv_id="1409.0685")
    similar = similar_papers(spectral, limit=5)
    assert len(similar) == 5 and spectral not in similar

    # 5. Exclusions, categories and filters also hold for the semantic side of hybrid.
    res = search_papers("sparse guidance -hyperspectral", mode="hybrid")
    assert SPECTRAL_TITLE not in [h.paper.title for h in res.hits]
    res = search_papers("sparse guidance", mode="semantic", filters=SearchFilters(min_upvotes=1))
    assert res.hits and all(h.paper.upvote_count >= 1 for h in res.hits)
    res = search_papers("sparse guidance", mode="hybrid", filters=SearchFilters(categories=["cs.RO"]))
    assert res.hits and all("cs.RO" in h.paper.categories for h in res.hits)

    # 6. Nasty input never raises with vectors present either.
    for q in NASTY[::3]:
        for mode in ("semantic", "hybrid"):
            assert search_papers(q, mode=mode).total >= 0
