"""A query of several sentences is embedded as the whole plus each sentence (retrieval.MAX_QUERY_SENTENCES)."""

from __future__ import annotations

import numpy as np
import pytest

from paperboy.search.engine import KeywordIndex
from paperboy.search.query import parse
from paperboy.search.retrieval import ArrayVectors, Retriever, SearchFilters, query_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sparse guidance", ["sparse guidance"]),
        ("  one sentence only.  ", ["one sentence only."]),
        ("", []),
        (
            "What is information science? Give definitions.",
            ["What is information science?", "Give definitions."],
        ),
        # Abbreviations and lower-case continuations do not end a sentence.
        ("Graphs e.g. trees vs. forests. Then more", ["Graphs e.g. trees vs. forests.", "Then more"]),
        ('Find codes! "Quoted" start. 3 items', ["Find codes!", '"Quoted" start.', "3 items"]),
        ("Words. ?! . Next", ["Words. ?! .", "Next"]),  # stray marks before a non-capital do not split
    ],
)
def test_query_sentences(text, expected):
    assert query_sentences(text) == expected


def test_query_sentences_joins_neighbours_beyond_the_limit():
    text = "One. Two. Three. Four. Five."
    assert query_sentences(text, limit=2) == ["One. Two. Three.", "Four. Five."]
    assert query_sentences(text, limit=1) == [text]
    assert len(query_sentences(" ".join(f"S{i}." for i in range(30)))) <= 8


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_multi_sentence_query_vector_is_whole_plus_sentences(tmp_path):
    """Each sentence asks for something else: the paper near all of them comes first, not the one near the
    whole query's own vector; with max_sentences=1 (no split) it is the other way round."""
    query = "Find graph codes. Find tree codes."
    embed = {
        query: _unit(0, 0, 1),
        "Find graph codes.": _unit(1, 0, 0),
        "Find tree codes.": _unit(0, 1, 0),
    }
    calls: list[str] = []

    def embed_query(text: str) -> np.ndarray:
        calls.append(text)
        return embed[text]

    papers = {1: _unit(1, 1, 1), 2: _unit(0, 0.3, 1)}
    vectors = ArrayVectors(list(papers), np.stack(list(papers.values())))
    retriever = Retriever(KeywordIndex(tmp_path), vectors, embed_query)
    parsed = parse(query)

    qvec = retriever._query_vector(parsed)
    assert qvec is not None
    np.testing.assert_allclose(qvec, _unit(1, 1, 1), atol=1e-6)
    assert sorted(calls) == sorted(embed)
    assert [c.pk for c in retriever.semantic_ranked(parsed, SearchFilters(), 2).hits] == [1, 2]

    whole_only = Retriever(KeywordIndex(tmp_path), vectors, embed_query, max_sentences=1)
    assert [c.pk for c in whole_only.semantic_ranked(parsed, SearchFilters(), 2).hits] == [2, 1]


def test_one_sentence_query_vector_is_the_embedding(tmp_path):
    seen: list[str] = []

    def embed_query(text: str) -> np.ndarray:
        seen.append(text)
        return _unit(0, 1, 0)

    retriever = Retriever(KeywordIndex(tmp_path), ArrayVectors([1], _unit(0, 1, 0)[None, :]), embed_query)
    qvec = retriever._query_vector(parse("fusing several trimmed nets into a lone compact predictor"))
    assert qvec is not None and seen == ["fusing several trimmed nets into a lone compact predictor"]
    np.testing.assert_allclose(qvec, _unit(0, 1, 0))
