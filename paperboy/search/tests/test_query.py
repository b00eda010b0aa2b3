"""The query parser: syntax table, and no input ever raises (parse, query building, search)."""

import random

import pytest

from paperboy.search.engine import KeywordIndex
from paperboy.search.query import build_text_query, parse


def kinds(q):
    return [(c.kind, c.text, c.field, c.occur) for c in parse(q).clauses]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sparse attention", [("term", "sparse", None, "should"), ("term", "attention", None, "should")]),
        ('"sparse attention"', [("phrase", "sparse attention", None, "should")]),
        ("diffus*", [("prefix", "diffus", None, "should")]),
        ("-survey", [("term", "survey", None, "must_not")]),
        ("NOT survey x", [("term", "survey", None, "must_not"), ("term", "x", None, "should")]),
        ("+graph", [("term", "graph", None, "must")]),
        ("graph AND neural", [("term", "graph", None, "must"), ("term", "neural", None, "must")]),
        ("graph OR neural", [("term", "graph", None, "should"), ("term", "neural", None, "should")]),
        ('author:"Yann LeCun"', [("phrase", "Yann LeCun", "authors", "must")]),
        ("au:lecun", [("term", "lecun", "authors", "must")]),
        ("cat:cs.CL", [("term", "cs.CL", "category", "should")]),
        ("-cat:cs.CV", [("term", "cs.CV", "category", "must_not")]),
        ("title:transformer", [("term", "transformer", "title", "should")]),
        ("foo:bar", [("term", "foo:bar", None, "should")]),
        ('unbalanced "quote', [("term", "unbalanced", None, "should"), ("term", "quote", None, "should")]),
        ("(a b)", [("term", "a", None, "should"), ("term", "b", None, "should")]),
        (
            "PHASE AND NOISE",
            [
                ("term", "PHASE", None, "should"),
                ("term", "AND", None, "should"),
                ("term", "NOISE", None, "should"),
            ],
        ),
        ("a*", [("term", "a*", None, "should")]),
    ],
)
def test_syntax_table(query, expected):
    assert kinds(query) == expected


def test_free_text_is_what_semantic_embeds():
    parsed = parse('"sparse attention" diffus* -survey author:lecun cat:cs.CL')
    assert parsed.free_text == "sparse attention diffus"
    assert parsed.categories == ["cs.cl"]


NASTY = [
    "",
    " ",
    '"',
    '""',
    '"""',
    "*",
    "**",
    "-",
    "--",
    "- -",
    "+",
    "AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "a AND",
    "NOT",
    "(",
    ")",
    "((((",
    "))))",
    "[]{}",
    "author:",
    'author:""',
    "cat:",
    ":",
    "::::",
    "title:*",
    "a:b:c:d",
    "-author:x",
    "\\",
    '\\\\"',
    "'; DROP TABLE papers; --",
    "<script>alert(1)</script>",
    "&amp; &lt;",
    "%00",
    "\x00",
    "\x00abc\x00",
    "日本語の論文",
    "Über naïve café",
    "emoji 🚀🔥 search",
    "ℵ₀ ∑ ∫ √",
    "the of and a",
    "x" * 2000,
    "word " * 400,
    '"' * 999,
    "-" * 500,
    "*" * 500,
    "a* " * 300,
    "author:" * 100,
    "((a AND b) OR (c AND NOT d))",
    "$\\alpha$-stable \\emph{x}",
    "field:value:another \"mixed' quotes",
    "~fuzzy^2 boost^3 [1 TO 5] {a TO b} /regex.*/",
    "https://arxiv.org/abs/",
    "arXiv:",
    "2401.",
    "hep-th/",
    "\t\n\r",
    "\u202e\u200b\u2028",
    "a" * 41,
    "ab* cd* ef*",
    "(*)",
    ".*",
    "[a-z]+*",
]


def _random_queries(n=300, seed=7):
    rng = random.Random(seed)
    alphabet = 'ab cd"*-+():AND OR NOT author:cat:title:\\/[]{}^~!?.,;é日🚀\x00\t'
    pieces = ["AND", "OR", "NOT", "author:", "cat:", '"', "*", "-", "(", ")", "sparse", "attention", "the"]
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))))
        else:
            out.append(" ".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))))
    return out


@pytest.mark.parametrize("query", NASTY)
def test_nasty_inputs_parse_and_build(query, tmp_path):
    index = KeywordIndex(tmp_path)
    parsed = parse(query)
    build_text_query(index.schema, parsed)  # must not raise


def test_random_inputs_never_raise(tmp_path):
    index = KeywordIndex(tmp_path)
    for q in _random_queries():
        build_text_query(index.schema, parse(q))


@pytest.mark.django_db
def test_nasty_inputs_through_search_and_page(client):
    from paperboy.search import rebuild_index
    from paperboy.search.services import search_papers

    from .conftest import make_paper

    make_paper("Sparse attention for long documents", "We study sparse attention <b>bold</b>.")
    rebuild_index()
    for q in NASTY + _random_queries(60, seed=3):
        for mode in ("keyword", "hybrid", "semantic"):
            res = search_papers(q, mode=mode)
            assert res.total >= 0
        response = client.get("/search", {"q": q})
        assert response.status_code in (200, 302), q
