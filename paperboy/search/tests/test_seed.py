"""The issue's done-checks on real titles and abstracts: the recorded HF search page for "sparse guidance"
(58 papers) plus 150 arXiv cs distractors."""

import pytest

from paperboy.search import search_papers

from .conftest import SPECTRAL_TITLE

pytestmark = pytest.mark.django_db


def test_sparse_guidance_keyword_top3(seed_corpus):
    res = search_papers("sparse guidance", mode="keyword")
    top = [h.paper.title for h in res.hits[:3]]
    assert SPECTRAL_TITLE in top, top


def test_pasted_seed_titles_come_first_keyword(seed_corpus):
    for paper in seed_corpus[:58:5]:
        res = search_papers(paper.title, mode="keyword")
        assert res.hits[0].paper.pk == paper.pk, (paper.title, [h.paper.title for h in res.hits[:3]])
