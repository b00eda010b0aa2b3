"""Keyword ranking, filters, sorts, snippets, redirects, the page and index consistency."""

import datetime as dt

import pytest

from paperboy.search import index_papers, rebuild_index, search_papers, similar_papers
from paperboy.search.services import SearchFilters, keyword_index

from .conftest import make_paper

pytestmark = pytest.mark.django_db


def titles(res):
    return [h.paper.title for h in res.hits]


def kw(q, **kw):
    return search_papers(q, mode="keyword", **kw)


def test_title_weighted_above_abstract():
    in_abstract = make_paper("A study of networks", "We apply quantization to graph networks.")
    in_title = make_paper("Quantization of graph networks", "We study networks.")
    rebuild_index()
    assert titles(kw("quantization"))[:2] == [in_title.title, in_abstract.title]


def test_pasted_title_comes_first():
    target = make_paper("Attention Is All You Need", "The dominant sequence transduction models ...")
    for i in range(5):
        make_paper(
            f"Attention mechanisms {i}", "attention is all we need, attention everywhere, you need attention"
        )
    rebuild_index()
    assert titles(kw("Attention Is All You Need"))[0] == target.title


def test_phrase_prefix_exclusion():
    both = make_paper("Sparse attention for transformers", "Sparse attention saves compute.")
    apart = make_paper("Attention and sparse coding", "Sparse codes; attention heads.")
    survey = make_paper("A survey of diffusion models", "Diffusion survey.")
    diffusion = make_paper("Diffusion policies", "Diffusing robots.")
    rebuild_index()
    assert titles(kw('"sparse attention"')) == [both.title]
    assert set(titles(kw("diffus*"))) == {survey.title, diffusion.title}
    assert titles(kw("diffusion -survey")) == [diffusion.title]
    assert titles(kw("diffusion NOT survey")) == [diffusion.title]
    assert apart.title in titles(kw("sparse attention"))


def test_a_split_word_matches_its_parts_and_ranks_the_compound_first():
    compound = make_paper("Grounding in vision-language models", "We probe vision-language alignment.")
    apart = make_paper("Language priors in vision models", "Vision encoders meet language decoders.")
    one_part = make_paper("Sign language recognition", "Language of signs.")
    rebuild_index()
    res = kw("vision-language")
    # The parts match on their own (as Lucene's standard analyzer splits them), the compound ranks first
    # (the query's words side by side: the proximity boosts), and the total counts every paper holding a
    # part.
    assert titles(res) == [compound.title, apart.title, one_part.title]
    assert res.total == 3
    # Beside other words too; typed as a phrase, excluded or in one field it stays a phrase.
    assert titles(kw("probing vision-language alignment"))[0] == compound.title
    assert titles(kw('"vision-language"')) == [compound.title]
    assert titles(kw("models -vision-language")) == [apart.title]
    assert titles(kw("title:vision-language")) == [compound.title]
    # In author names the word stays a phrase: "de" of "de-noising" is not every author named de ...
    by_de = make_paper("Learning to learn", "Meta-learning.", authors=["Nando de Freitas"])
    hyphenated = make_paper("Spin glasses", "Spin.", authors=["Jean-Pierre Bouchaud"])
    denoising = make_paper("Image de-noising with priors", "We remove noise.")
    rebuild_index()
    assert titles(kw("de-noising")) == [denoising.title]
    assert by_de.title in titles(kw("de"))
    assert titles(kw("jean-pierre")) == [hyphenated.title]


def test_author_search():
    lecun = make_paper("Energy based models", "Energy.", authors=["Yann LeCun", "Someone Else"])
    other = make_paper("Energy landscapes", "Energy.", authors=["Yann Dauphin", "Bob LeCun"])
    rebuild_index()
    assert titles(kw('author:"Yann LeCun"')) == [lecun.title]
    assert titles(kw('energy author:"yann lecun"')) == [lecun.title]
    assert set(titles(kw("au:lecun"))) == {lecun.title, other.title}


def test_unicode_author_folded():
    p = make_paper("Wavelets", "Wavelets.", authors=["Aleksandra Pižurica"])
    rebuild_index()
    assert titles(kw("author:pizurica")) == [p.title]
    assert titles(kw("author:Pižurica")) == [p.title]


def test_category_filter_and_syntax():
    cl = make_paper("Language models", "Tokens.", categories=["cs.CL", "cs.LG"])
    cv = make_paper("Language of images", "Pixels.", categories=["cs.CV"])
    rebuild_index()
    assert titles(kw("language cat:cs.CL")) == [cl.title]
    assert titles(kw("language -cat:cs.CL")) == [cv.title]
    assert titles(kw("language", filters=SearchFilters(categories=["cs.CV"]))) == [cv.title]
    assert titles(kw("language", filters=SearchFilters(categories=["cs.lg"]))) == [cl.title]


def test_filters_dates_code_upvotes():
    old = make_paper(
        "Graph old",
        "graph",
        published_at=dt.datetime(2020, 5, 1, tzinfo=dt.UTC),
        code_url="https://github.com/x/y",
        upvote_count=50,
        featured=[dt.date(2020, 5, 3)],
    )
    new = make_paper(
        "Graph new",
        "graph",
        published_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
        upvote_count=3,
        featured=[dt.date(2024, 5, 2), dt.date(2024, 6, 9)],
    )
    rebuild_index()
    f = SearchFilters
    assert titles(kw("graph", filters=f(published_from=dt.date(2024, 1, 1)))) == [new.title]
    assert titles(kw("graph", filters=f(published_to=dt.date(2020, 5, 1)))) == [old.title]  # inclusive
    assert titles(
        kw("graph", filters=f(featured_from=dt.date(2024, 6, 1), featured_to=dt.date(2024, 6, 30)))
    ) == [new.title]
    assert titles(kw("graph", filters=f(featured_to=dt.date(2020, 12, 31)))) == [old.title]
    assert titles(kw("graph", filters=f(has_code=True))) == [old.title]
    assert titles(kw("graph", filters=f(has_code=False))) == [new.title]
    assert titles(kw("graph", filters=f(min_upvotes=10))) == [old.title]
    assert titles(kw("", filters=f(min_upvotes=10))) == [old.title]  # filters alone list papers
    assert titles(search_papers("", filters=f(min_upvotes=1))) == [new.title, old.title]  # newest first


def test_sorts():
    a = make_paper(
        "Graph a", "graph graph graph", published_at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC), upvote_count=1
    )
    b = make_paper("Graph b", "graph", published_at=dt.datetime(2023, 1, 1, tzinfo=dt.UTC), upvote_count=9)
    c = make_paper("Graph c", "graph", published_at=dt.datetime(2022, 1, 1, tzinfo=dt.UTC), upvote_count=5)
    rebuild_index()
    assert titles(kw("graph", sort="date")) == [b.title, c.title, a.title]
    assert titles(kw("graph", sort="upvotes")) == [b.title, c.title, a.title]
    res = kw("graph", limit=2, offset=2, sort="date")
    assert titles(res) == [a.title] and res.total == 3


def test_snippet_highlights_and_escapes():
    make_paper("Safe", "We <script>alert(1)</script> study sparse & dense guidance maps.")
    rebuild_index()
    hit = kw("sparse guidance").hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<mark>sparse</mark>" in hit.snippet and "<mark>guidance</mark>" in hit.snippet
    assert "&amp;" in hit.snippet


def test_snippet_windows_long_abstract():
    make_paper("Long", " ".join(["filler"] * 200) + " the needle word " + " ".join(["filler"] * 200))
    rebuild_index()
    snippet = kw("needle").hits[0].snippet
    assert "<mark>needle</mark>" in snippet and snippet.startswith("…") and snippet.endswith("…")


def test_arxiv_id_and_url_redirect(client):
    new = make_paper("New style", "x", arxiv_id="2401.01234")
    old = make_paper("Old style", "x", arxiv_id="hep-th/9901001")
    for q in (
        "2401.01234",
        "arXiv:2401.01234v2",
        "https://arxiv.org/abs/2401.01234",
        "https://arxiv.org/pdf/2401.01234v1.pdf",
    ):
        assert search_papers(q).redirect_to == new.get_absolute_url()
    for q in ("hep-th/9901001", "hep-th/9901001v3", "arxiv.org/abs/hep-th/9901001"):
        assert search_papers(q).redirect_to == old.get_absolute_url()
    response = client.get("/search", {"q": "arXiv:2401.01234"})
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    missing = search_papers("2402.00001")
    assert missing.redirect_to is None and missing.arxiv_id == "2402.00001"
    assert any("not in this library" in n for n in missing.notes)


def test_page_renders_cards(client):
    make_paper(
        "Sparse <i>guidance</i> maps",
        "Abstract with sparse guidance.",
        authors=["A", "B", "C"],
        upvote_count=7,
    )
    rebuild_index()
    response = client.get("/search", {"q": "sparse guidance", "mode": "keyword"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sparse &lt;i&gt;guidance&lt;/i&gt; maps" in body
    assert "3 authors" in body and "7 upvotes" in body and "<mark>sparse</mark>" in body
    assert client.get("/search", {"q": "zzzzqqq"}).content.decode().count("No results") == 1
    assert client.get("/search").status_code == 200
    assert (
        client.get(
            "/search", {"q": "x", "page": "abc", "min_upvotes": "-5", "published_from": "nope"}
        ).status_code
        == 200
    )


def test_long_query_trimmed_with_note(client):
    make_paper("Graph", "graph")
    rebuild_index()
    res = search_papers("graph " + "x" * 3000, mode="keyword")
    assert len(res.query) == 2000 and res.notes and titles(res) == ["Graph"]
    assert "shortened" in client.get("/search", {"q": "graph " + "x" * 3000}).content.decode()


def test_index_papers_adds_updates_and_deletes():
    p = make_paper("Original title", "x")
    index_papers([p.pk])
    assert titles(kw("original")) == ["Original title"]
    p.title = "Renamed paper"
    p.save()
    index_papers([p.pk])
    assert titles(kw("original")) == [] and titles(kw("renamed")) == ["Renamed paper"]
    pk = p.pk
    p.delete()
    index_papers([pk])
    assert kw("renamed").total == 0


def test_rebuild_swaps_atomically_and_other_readers_reload():
    from paperboy.search.engine import KeywordIndex

    make_paper("Alpha paper", "x")
    rebuild_index()
    reader = KeywordIndex(keyword_index().root)  # as another process would
    assert reader.num_docs() == 1
    old_gen = reader._current_generation()
    make_paper("Beta paper", "x")
    rebuild_index()
    assert reader._current_generation() != old_gen
    assert reader.num_docs() == 2
    assert not (keyword_index().root / old_gen).exists()
    gens = [p.name for p in keyword_index().root.iterdir() if p.name.startswith("gen-")]
    assert len(gens) == 1


def test_failed_rebuild_keeps_serving_old_index():
    make_paper("Alpha paper", "x")
    rebuild_index()

    def broken():
        yield from ()
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        keyword_index().rebuild(broken())
    assert titles(kw("alpha")) == ["Alpha paper"]


def test_rebuild_command(capsys):
    from django.core.management import call_command

    make_paper("Commanded", "x")
    call_command("rebuild_search_index")
    assert "Indexed 1 papers" in capsys.readouterr().out
    assert titles(kw("commanded")) == ["Commanded"]


def test_no_index_yet_gives_no_results():
    make_paper("Unindexed", "x")
    assert kw("unindexed").total == 0


def test_similar_papers_keyword_fallback_excludes_self(monkeypatch):
    from paperboy.search import services

    monkeypatch.setattr(services, "site_vectors", lambda: None)
    a = make_paper("Graph neural networks for molecules", "x")
    b = make_paper("Graph neural networks for proteins", "x")
    make_paper("Cooking recipes", "x")
    rebuild_index()
    assert similar_papers(a) == [b]


def test_similar_template_tag_renders(monkeypatch):
    from django.template import Context, Template

    from paperboy.search import services

    monkeypatch.setattr(services, "site_vectors", lambda: None)
    a = make_paper("Graph neural networks for molecules", "x")
    b = make_paper("Graph neural networks for <proteins>", "x")
    rebuild_index()
    html = Template(
        '{% load search_tags %}{% similar_papers paper as similar %}{% include "search/_similar.html" %}'
    ).render(Context({"paper": a}))
    assert "Similar papers" in html and "&lt;proteins&gt;" in html and b.get_absolute_url() in html
    assert a.get_absolute_url() not in html


def test_known_item_rule_short_titles(monkeypatch):
    """Hybrid keeps an exact short-title match first even when meaning favours another paper."""
    import numpy as np

    from paperboy.search import services
    from paperboy.search.retrieval import ArrayVectors

    target = make_paper("Attention Is All You Need", "Transformers replace recurrence.")
    broad = make_paper("Attention mechanisms: a broad survey of where attention is needed", "Survey.")
    other = make_paper("Recurrent networks need no attention", "RNNs.")
    rebuild_index()
    # Deterministic vectors: the query vector points at `other`, away from the target.
    vecs = {target.pk: [1.0, 0.0, 0.0], broad.pk: [0.6, 0.8, 0.0], other.pk: [0.0, 0.0, 1.0]}
    source = ArrayVectors(list(vecs), np.array(list(vecs.values()), dtype=np.float32))
    monkeypatch.setattr(services, "site_vectors", lambda: source)
    monkeypatch.setattr(services, "embedding_coverage", lambda: (len(vecs), len(vecs)))
    monkeypatch.setattr(
        services, "_embedder", lambda: lambda text: np.array([0.0, 0.0, 1.0], dtype=np.float32)
    )
    for q in ("Attention Is All You Need", "attention is all you need"):
        res = search_papers(q, mode="hybrid")
        assert res.mode == "hybrid" and res.hits[0].pk == target.pk, q
    # Two words that are a small part of a longer title do not pin it: here meaning decides.
    broad_words = "mechanisms broad"
    assert search_papers(broad_words, mode="keyword").hits[0].pk == broad.pk
    assert search_papers(broad_words, mode="hybrid").hits[0].pk == other.pk


def test_exact_phrase_tier_beats_meaning(monkeypatch):
    """A paper holding the query as an exact phrase stays above papers that only match by meaning."""
    import numpy as np

    from paperboy.search import services
    from paperboy.search.retrieval import ArrayVectors

    exact = make_paper("Unmixing of spectra", "We learn a sparse guidance map for each pixel.")
    title_words = make_paper("Sparse point guidance for video", "Points guide video insertion.")
    meaning = make_paper("Classifier-free guidance scales", "Diffusion guidance tuned per prompt.")
    rebuild_index()
    vecs = {exact.pk: [1.0, 0.0, 0.0], title_words.pk: [0.0, 0.6, 0.8], meaning.pk: [0.0, 0.0, 1.0]}
    source = ArrayVectors(list(vecs), np.array(list(vecs.values()), dtype=np.float32))
    monkeypatch.setattr(services, "site_vectors", lambda: source)
    monkeypatch.setattr(services, "embedding_coverage", lambda: (len(vecs), len(vecs)))
    monkeypatch.setattr(
        services, "_embedder", lambda: lambda text: np.array([0.0, 0.0, 1.0], dtype=np.float32)
    )
    for mode in ("keyword", "hybrid"):
        assert search_papers("sparse guidance", mode=mode).hits[0].pk == exact.pk, mode
    assert search_papers("sparse guidance", mode="semantic").hits[0].pk == meaning.pk


@pytest.mark.parametrize(
    "params",
    [
        "q=sparse&published_from=0001-01-01",
        "q=sparse&published_to=9999-12-31",
        "published_from=1677-09-20",
        "q=sparse&featured_to=0001-01-01&featured_from=2262-04-12",
        "q=sparse&published_from=2025-13-45&min_upvotes=abc&has_code=maybe",
        "q=sparse&mode=foo&sort=bad&page=-1",
    ],
)
def test_odd_filter_values_never_break_the_page_and_are_reported(client, params):
    response = client.get("/search?" + params)

    assert response.status_code == 200
    html = response.content.decode()
    if "2025-13-45" in params:
        assert "Ignored “Published from”: Enter a valid date." in html
        assert "Ignored “Min upvotes”" in html and "Ignored “Has code”" in html
    if "0001-01-01" in params:
        assert "Give a date between 1900 and 2199." in html


def test_papers_without_a_v1_date_are_dated_by_their_announce_day(db):
    from paperboy.papers.models import Paper

    paper = Paper.objects.create(arxiv_id="2602.00007", title="t", announced_on=dt.date(2026, 2, 3))
    assert paper.best_date == dt.datetime(2026, 2, 3, tzinfo=dt.UTC)
    paper.announced_on = None
    assert paper.best_date == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)  # the month of its id


def test_meaning_waits_until_most_papers_are_embedded(monkeypatch):
    """A half-finished embed run must not push its few papers to the top: keyword results and a note."""
    from paperboy.search import services

    make_paper("Sparse guidance for unmixing", "We learn a sparse guidance map.")
    rebuild_index()
    monkeypatch.setattr(services, "embedding_coverage", lambda: (5, 100))

    res = search_papers("sparse guidance", mode="hybrid")

    assert res.mode == "keyword"
    assert "being prepared (5 of 100 papers embedded so far)" in " ".join(res.notes)


def test_a_readers_upvote_reaches_the_index_filter_and_sort(django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    from paperboy.papers.services import toggle_upvote

    liked = make_paper("Graph liked", "graph", upvote_count=2, imported_upvote_count=2)
    other = make_paper("Graph other", "graph", upvote_count=2, imported_upvote_count=2)
    rebuild_index()
    at_least_3 = SearchFilters(min_upvotes=3)
    assert titles(kw("graph", filters=at_least_3)) == []

    reader = User.objects.create_user("reader", "reader@example.org", "pw-1234-long")
    with django_capture_on_commit_callbacks(execute=True):
        assert toggle_upvote(reader, liked) == (True, 3)
    assert titles(kw("graph", filters=at_least_3)) == [liked.title]
    assert titles(kw("graph", sort="upvotes")) == [liked.title, other.title]

    with django_capture_on_commit_callbacks(execute=True):
        assert toggle_upvote(reader, liked) == (False, 2)
    assert titles(kw("graph", filters=at_least_3)) == []


def test_an_upvote_without_an_index_creates_none(django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    from paperboy.papers.services import toggle_upvote

    paper = make_paper("Lonely paper", "text")
    reader = User.objects.create_user("reader2", "reader2@example.org", "pw-1234-long")
    with django_capture_on_commit_callbacks(execute=True):
        toggle_upvote(reader, paper)
    assert not keyword_index().exists()
