"""The search page's fast paths: snippets of one query, cached result cards and cached filter widgets."""

import pytest
from django.template import Context, Template

from paperboy.papers.models import Paper
from paperboy.search import rebuild_index, search_papers
from paperboy.search.query import parse
from paperboy.search.snippets import Highlighter, make_snippet
from paperboy.search.templatetags import search_tags

from .conftest import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    search_tags.clear_card_cache()
    yield
    search_tags.clear_card_cache()


def test_highlighter_marks_stems_prefixes_and_case_once_per_query():
    text = "Graphs & <graph> nets; GRAPHING diffusion models diffuse."
    h = Highlighter(parse("graph diffus*"))
    snippet = h.snippet(text)
    assert snippet == make_snippet(text, parse("graph diffus*"))
    assert snippet.count("<mark>") == 5  # Graphs, graph, GRAPHING, diffusion, diffuse
    assert "&amp; &lt;<mark>graph</mark>&gt;" in snippet and "<mark>models</mark>" not in snippet
    assert Highlighter(parse("graph")).snippet("") == ""
    assert Highlighter(parse("graph")).snippet("?!<") == "?!&lt;"
    assert Highlighter(parse("-graph author:smith")).snippet("graph smith") == "graph smith"


def test_highlighter_window_starts_a_few_words_before_the_densest_matches():
    words = [f"w{i}" for i in range(100)]
    words[10], words[60], words[62], words[64] = "needle", "needle", "needles", "needle"
    snippet = Highlighter(parse("needle")).snippet(" ".join(words), max_words=10)
    assert snippet.startswith("…w54 ") and snippet.endswith("…")
    assert snippet.count("<mark>") == 2 and "w10" not in snippet and "w64" not in snippet


def _include(paper: Paper, snippet: str) -> str:
    template = Template('{% include "papers/_card.html" with paper=paper snippet=snippet %}')
    return template.render(Context({"paper": paper, "snippet": snippet}))


def test_cached_card_is_the_card_template_with_this_snippet(settings):
    settings.PAGE_CACHE_SECONDS = 300
    paper = make_paper("Sparse <b>maps</b>", "abstract", authors=["A", "B"], upvote_count=3)
    for snippet in ("first <mark>one</mark>", "second", ""):
        for _ in range(2):  # rendered, then from the cache
            assert search_tags.search_card(paper, snippet) == _include(paper, snippet)
    assert len(search_tags._cards) == 1


def test_page_shows_new_upvotes_and_edits_at_once(client, settings):
    settings.PAGE_CACHE_SECONDS = 300
    paper = make_paper("Sparse guidance maps", "We study sparse guidance.", upvote_count=7)
    rebuild_index()
    params = {"q": "sparse guidance", "mode": "keyword"}
    assert "7 upvotes" in client.get("/search", params).content.decode()
    Paper.objects.filter(pk=paper.pk).update(upvote_count=8)
    assert "8 upvotes" in client.get("/search", params).content.decode()
    paper.refresh_from_db()
    paper.title = "Sparse guidance maps, revised"
    paper.save()
    assert "Sparse guidance maps, revised" in client.get("/search", params).content.decode()
    assert len(search_tags._cards) == 3


def test_card_cache_is_bounded_and_off_without_a_page_cache(settings):
    papers = [make_paper(f"Paper {i}", "x") for i in range(5)]
    settings.PAGE_CACHE_SECONDS = 0
    search_tags.search_card(papers[0], "s")
    assert len(search_tags._cards) == 0
    settings.PAGE_CACHE_SECONDS = 300
    old = search_tags.CARD_CACHE_SIZE
    search_tags.CARD_CACHE_SIZE = 3
    try:
        for p in papers:
            search_tags.search_card(p, "s")
        assert [key[0] for key in search_tags._cards] == [p.pk for p in papers[2:]]
    finally:
        search_tags.CARD_CACHE_SIZE = old


def test_filter_widgets_follow_their_values(client):
    make_paper("Graph", "graph")
    rebuild_index()
    plain = client.get("/search", {"q": "graph"}).content.decode()
    dated = client.get("/search", {"q": "graph", "published_from": "2024-02-03", "has_code": "yes"})
    html = dated.content.decode()
    assert 'value="2024-02-03"' in html and '<option value="yes" selected>' in html
    assert '<details class="search-filters" open>' in html
    assert 'value="2024-02-03"' not in client.get("/search", {"q": "graph"}).content.decode()
    again = client.get("/search", {"q": "graph"}).content.decode()
    assert (
        again.split('<details class="search-filters"')[1] == plain.split('<details class="search-filters"')[1]
    )
    bad = client.get("/search", {"q": "graph", "published_from": "nope"}).content.decode()
    assert 'value="nope"' in bad and 'aria-invalid="true"' in bad
    assert search_papers("graph", mode="keyword").hits
