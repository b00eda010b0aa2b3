"""Scoring given papers with a query (restricted searches): the chained form gives what a restricted
search of the whole query gives, paper for paper and score for score."""

from __future__ import annotations

import datetime as dt

import pytest
import tantivy

from paperboy.search import retrieval
from paperboy.search.engine import IndexDoc, KeywordIndex
from paperboy.search.query import parse, proximity_queries
from paperboy.search.retrieval import Retriever, SearchFilters
from paperboy.search.tests.conftest import distractor_records, seed_records


@pytest.fixture(scope="module")
def retriever(tmp_path_factory) -> Retriever:
    """The seed page's 58 papers and 300 real cs listings, some with code and upvotes."""
    records = seed_records() + distractor_records(300)
    docs = []
    for pk, rec in enumerate(records, start=1):
        docs.append(
            IndexDoc(
                pk=pk,
                title=rec["title"],
                abstract=rec["abstract"],
                authors=rec["authors"],
                categories=rec.get("categories", ["cs.CV"]),
                published=rec["published"],
                upvotes=pk % 7,
                has_code=pk % 3 == 0,
            )
        )
    index = KeywordIndex(tmp_path_factory.mktemp("kw"))
    index.rebuild(docs)
    return Retriever(index)


QUERIES = [
    "sparse guidance",
    "large language models",
    "diffusion models for image generation",
    '"language models" reasoning',
    "+robot grasping policy",
    "robot -manipulation",
    "diffus* guidance",
    "author:Wang sparse",
    "cat:cs.RO robot learning",
    "-survey",
    "the of and",
    "vision-language models",
    "self-supervised",
]
FILTERS = [
    SearchFilters(),
    SearchFilters(has_code=True),
    SearchFilters(published_from=dt.date(2025, 5, 1), min_upvotes=2),
]


@pytest.fixture(params=["seek", "walk"])
def restricted_form(request, monkeypatch) -> str:
    """Both forms of a restricted search: "seek" (every posting list counts as long) and "walk"."""
    seek = request.param == "seek"
    monkeypatch.setattr(retrieval, "SEEK_WORDS_MIN_POSTINGS", 0 if seek else 10**12)
    monkeypatch.setattr(retrieval, "SEEK_PHRASES_MIN_POSTINGS", 0 if seek else 10**12)
    return request.param


@pytest.mark.parametrize("filters", FILTERS, ids=["none", "code", "date+upvotes"])
@pytest.mark.parametrize("text", QUERIES)
def test_text_scores_equal_a_restricted_search_of_the_whole_query(retriever, restricted_form, text, filters):
    schema = retriever.keyword.schema
    scoring = retriever._text_scoring(parse(text), filters, schema)
    assert scoring is not None  # (stop words are still author-name terms)
    searcher = retriever._searcher()
    assert searcher is not None
    all_pks = list(range(1, searcher.num_docs + 1))
    for pks in (all_pks, all_pks[::7], all_pks[:40]):
        expected = retriever._restricted(scoring.query, pks, len(pks))
        got = retriever.text_scores(scoring, pks, parse(text))
        assert got.keys() == expected.keys()
        for pk, score in expected.items():
            assert got[pk] == pytest.approx(score, rel=1e-5, abs=1e-5)
    # The check has teeth: without filters, each query matches some papers and leaves others out.
    if not filters.active and text not in ("-survey", "the of and"):
        assert 0 < len(retriever._restricted(scoring.query, all_pks, len(all_pks))) < len(all_pks)


def test_walk_or_seek_follows_the_postings_a_walk_would_read(retriever, monkeypatch):
    parsed, pks = parse("large language models"), list(range(1, 101))
    # 358 papers: short lists, the walk.
    assert not retriever._walk_is_long(parsed, pks, phrases=False)
    assert not retriever._walk_is_long(parsed, pks, phrases=True)
    searcher = retriever._searcher()
    freqs = [searcher.doc_freq("text", t) for t in ("larg", "languag", "model")]
    assert min(freqs) > 0
    monkeypatch.setattr(retrieval, "SEEK_WORDS_MIN_POSTINGS", sum(freqs))
    monkeypatch.setattr(retrieval, "SEEK_PHRASES_MIN_POSTINGS", min(freqs))
    assert retriever._walk_is_long(parsed, pks, phrases=False)
    assert retriever._walk_is_long(parsed, pks, phrases=True)
    monkeypatch.setattr(retrieval, "SEEK_WORDS_MIN_POSTINGS", sum(freqs) + 1)
    assert not retriever._walk_is_long(parsed, pks, phrases=False)
    assert not retriever._walk_is_long(parse("the of"), pks, phrases=False)  # no index terms


@pytest.mark.parametrize(
    "text", ["large language models", "sparse guidance", "vision language models", "vision-language models"]
)
def test_phrase_tests_give_the_union_scores_in_either_form(retriever, restricted_form, text):
    schema = retriever.keyword.schema
    parsed = parse(text)
    boosts = proximity_queries(schema, parsed)
    assert len(boosts) >= 2
    pks = list(range(1, 359))
    union = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in boosts])
    expected = retriever._restricted(union, pks, len(pks))
    got = retriever._restricted_any(parsed, boosts, pks)
    assert got.keys() == expected.keys() and 0 < len(expected) < len(pks)
    for pk, score in expected.items():
        assert got[pk] == pytest.approx(score, rel=1e-5, abs=1e-6)


def test_restricted_sum_scores_every_pk_with_the_parts_it_matches(retriever):
    schema = retriever.keyword.schema
    boosts = proximity_queries(schema, parse("large language models"))
    assert len(boosts) == 2  # the title phrase and the text phrase
    pks = list(range(1, 359))
    union = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in boosts])
    matched = retriever._restricted(union, pks, len(pks))
    summed = retriever._restricted_sum(boosts, pks)
    assert set(summed) == set(pks)  # no required clauses: every pk, 0.0 where no part matches
    assert 0 < len(matched) < len(pks)
    for pk in pks:
        assert summed[pk] == pytest.approx(matched.get(pk, 0.0), rel=1e-5, abs=1e-6)
    # Required clauses gate the pks.
    code = [(tantivy.Occur.Must, tantivy.Query.term_query(schema, "has_code", 1))]
    gated = retriever._restricted_sum(boosts, pks, code)
    assert set(gated) == {pk for pk in pks if pk % 3 == 0}
