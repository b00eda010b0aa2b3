"""The look of the search page (templates/search/results.html); the search app supplies the results."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from paperboy.papers.models import Paper

pytestmark = pytest.mark.django_db


@dataclass
class Hit:
    paper: Paper
    snippet: str = ""


def _render(**context) -> str:
    return render_to_string("search/results.html", context, request=RequestFactory().get("/search"))


def test_results_show_title_abstract_author_count_date_and_upvotes_like_the_seed_page(real_papers):
    by_id = {p.arxiv_id: p for p in real_papers}
    hits = [
        Hit(
            by_id["2504.17768"],
            snippet="<mark>Sparse</mark> <mark>attention</mark> offers a promising strategy",
        ),
        Hit(by_id["2412.09349"]),
    ]

    html = _render(query="sparse attention", results=hits, total=2, mode="hybrid", took_ms=12.4)

    assert "Results for “sparse attention”" in html
    assert "2 results · hybrid search · 12 ms" in html
    assert "The Sparse Frontier: Sparse Attention Trade-offs in Transformer LLMs" in html
    assert "<mark>Sparse</mark> <mark>attention</mark> offers a promising strategy" in html
    assert (
        "Controllable human image animation aims to generate videos" in html
    )  # no snippet: abstract preview
    assert "6 authors" in html and "7 authors" in html
    assert "Apr 24, 2025" in html and "Dec 12, 2024" in html
    assert 'class="vote-count">3<' in html and 'class="vote-count">2<' in html
    assert html.index("The Sparse Frontier") < html.index("DisPose")


def test_the_query_is_escaped_and_an_empty_result_says_so(db):
    html = _render(query="<script>alert(1)</script>", results=[], total=0, mode="keyword", took_ms=1)

    assert "<script>alert(1)</script>" not in html
    assert "No papers match “&lt;script&gt;alert(1)&lt;/script&gt;”" in html


def test_pages_keep_the_query_and_mode(real_papers):
    page = Paginator(real_papers, 2).get_page(2)
    hits = [Hit(p) for p in page.object_list]

    html = _render(query="sparse attention", results=hits, total=6, mode="hybrid", took_ms=3, page_obj=page)

    assert "Page 2 of 3" in html
    assert 'href="?q=sparse%20attention&amp;mode=hybrid&amp;page=1"' in html
    assert 'href="?q=sparse%20attention&amp;mode=hybrid&amp;page=3"' in html


def test_subscribe_teaser_only_when_the_digests_page_exists(db):
    html = _render(query="", results=[], total=0, mode="", took_ms=None)

    assert "Get trending papers in your email inbox!" not in html
    assert "Search papers" in html


@pytest.mark.urls("paperboy.papers.tests.urls_with_subscribe")
def test_subscribe_teaser_links_the_digests_page_when_it_exists(db):
    html = _render(query="", results=[], total=0, mode="", took_ms=None)

    assert "Get trending papers in your email inbox!" in html
    assert 'href="/subscribe">Subscribe</a>' in html
