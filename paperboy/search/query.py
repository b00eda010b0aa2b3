"""The search box syntax, parsed into clauses and turned into tantivy queries.

Syntax (case-insensitive field names; everything else is free text)::

    sparse attention            words: any may match, BM25 ranks papers matching more (and rarer) words first
    vision-language             a word the index splits (hyphens, slashes, apostrophes) counts as its parts
                                (quote it for the exact phrase: "vision-language")
    "sparse attention"          phrase (stop words keep their place: "learning of codes" matches that text)
    diffus*                     prefix (of the word as typed, or of its stem)
    -survey   NOT survey        exclusion (also -"a phrase", -author:smith)
    +graph    a AND b           required words
    author:"Yann LeCun"  au:lecun      author (phrase within one author's name)
    title:transformer  abstract:"x y"  one field only
    cat:cs.CL  category:cs.LG          category filter (several: any of them)
    OR, parentheses, stray quotes and other punctuation are accepted and read as plain text.
    AND/OR/NOT are operators only when the query has some lower-case letters (all-capitals text is words).

Nothing here raises on user input: :func:`parse` accepts any string (the caller trims it to 2,000
characters), and anything it cannot read as syntax is read as words. A query whose words are all stop
words (or punctuation) builds an empty query: "no results".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import tantivy

from paperboy.search.engine import NAME_ANALYZER, analyze, analyze_positions

__all__ = [
    "FIELD_WEIGHTS",
    "Clause",
    "ParsedQuery",
    "TextQueryParts",
    "build_text_query",
    "compound_parts",
    "constraint_query",
    "parse",
    "proximity_queries",
    "text_query_parts",
]

Occur = Literal["should", "must", "must_not"]
Kind = Literal["term", "phrase", "prefix"]

#: BM25 field weights (multipliers of each field's BM25 score). "text" is title + abstract as one field;
#: the title field adds 0.5 on top, so a title word weighs 1.5x an abstract word. Tuned once on NPL and
#: CISI together (title extra 0 / 0.2 / 0.5 / 1.0 / 2.0 gave CISI nDCG@10 .393 / .394 / .401 / .386 / .351;
#: NPL has no titles). One set for the site and the eval.
FIELD_WEIGHTS: dict[str, float] = {"text": 1.0, "title": 0.5, "abstract": 1.0, "authors": 1.0}
#: Extra weight of the whole query (or a typed phrase) found as a phrase in the title: the known-item
#: boost (a pasted title comes first).
TITLE_PHRASE_BOOST = 6.0
#: Score of a prefix match (tantivy scores regex matches as a constant).
PREFIX_SCORE = 1.0
#: Weight of the whole plain-word query (2 to 8 terms) found as a phrase (slop 1) anywhere in title + abstract.
TEXT_PHRASE_WEIGHT = 1.0
TEXT_PHRASE_MAX_TERMS = 8
TEXT_PHRASE_SLOP = 0
MAX_CLAUSES = 64
MAX_PREFIX_EXPANSIONS_HINT = 3  # prefixes shorter than this are read as plain words

FIELD_ALIASES = {
    "author": "authors",
    "authors": "authors",
    "au": "authors",
    "by": "authors",
    "title": "title",
    "ti": "title",
    "abstract": "abstract",
    "abs": "abstract",
    "cat": "category",
    "category": "category",
    "categories": "category",
}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<paren>[()\[\]{}])
  | (?P<op>(?:\+|-|!)(?=["\w]))?
    (?:(?P<field>[A-Za-z]+):(?=["\w]))?
    (?:"(?P<phrase>[^"]*)"|(?P<word>[^\s()\[\]{}"]+))
  | (?P<other>.)
    """,
    re.VERBOSE | re.UNICODE,
)


@dataclass
class Clause:
    """One piece of the query. ``field`` is None (title, abstract, authors), a field name or "category"."""

    kind: Kind
    text: str
    field: str | None = None
    occur: Occur = "should"


@dataclass
class ParsedQuery:
    raw: str
    clauses: list[Clause] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        return [c.text.lower() for c in self.clauses if c.field == "category" and c.occur != "must_not"]

    @property
    def excluded_categories(self) -> list[str]:
        return [c.text.lower() for c in self.clauses if c.field == "category" and c.occur == "must_not"]

    @property
    def text_clauses(self) -> list[Clause]:
        return [c for c in self.clauses if c.field != "category"]

    @property
    def free_text(self) -> str:
        """The positive words and phrases (no syntax): what the semantic side embeds."""
        parts = [
            c.text for c in self.clauses if c.occur != "must_not" and c.field in (None, "title", "abstract")
        ]
        return " ".join(p.rstrip("*") for p in parts).strip()

    @property
    def has_positive(self) -> bool:
        return any(c.occur != "must_not" and c.field != "category" for c in self.clauses)


def parse(raw: str) -> ParsedQuery:
    """Read the search box. Never raises; unknown syntax becomes words."""
    text = (raw or "").replace("\x00", " ")
    clauses: list[Clause] = []
    # All-capitals text (a pasted heading, a shouted query) has no operators: "PHASE AND NOISE" is words.
    operators = any(ch.islower() for ch in text)
    pending_and = False
    pending_not = False
    for m in _TOKEN.finditer(text):
        if m.group("ws") or m.group("paren") or m.group("other"):
            continue
        op, fname, phrase, word = m.group("op"), m.group("field"), m.group("phrase"), m.group("word")
        if operators and phrase is None and word is not None and fname is None and op is None:
            if word in ("AND", "&&"):
                if clauses and clauses[-1].occur == "should":
                    clauses[-1].occur = "must"
                pending_and = True
                continue
            if word in ("OR", "||"):
                continue
            if word == "NOT":
                pending_not = True
                continue
        target: str | None = None
        if fname is not None:
            target = FIELD_ALIASES.get(fname.lower())
            if target is None:  # unknown "foo:bar": read it all as words
                phrase, word = None, f"{fname}:{phrase if phrase is not None else word}"
        occur: Occur = "must" if target == "authors" else "should"  # author:... narrows, like a filter
        if op in ("-", "!") or pending_not:
            occur = "must_not"
        elif op == "+" or pending_and:
            occur = "must"
        pending_and = pending_not = False
        if phrase is not None:
            if not phrase.strip():
                continue
            clauses.append(Clause("phrase", phrase.strip(), target, occur))
            continue
        assert word is not None
        if target == "category":
            clauses.append(Clause("term", word, target, occur))
            continue
        stripped = word.strip("*")
        if (
            word.endswith("*")
            and len(stripped) >= MAX_PREFIX_EXPANSIONS_HINT
            and re.fullmatch(r"\w+", stripped)
        ):
            clauses.append(Clause("prefix", stripped, target, occur))
        else:
            clauses.append(Clause("term", word, target, occur))
        if len(clauses) >= MAX_CLAUSES:
            break
    return ParsedQuery(raw=text, clauses=clauses)


# -- building tantivy queries -------------------------------------------------------------------------------


def _field_text_query(schema: tantivy.Schema, fname: str, clause: Clause) -> tantivy.Query | None:
    """The query for one clause in one field (None when the clause has no index terms there)."""
    if clause.kind == "prefix":
        word = analyze(clause.text, "basic")
        if not word:
            return None
        raw = re.escape(word[0])
        stems = analyze(clause.text) if fname != "authors" else []
        pattern = raw if not stems or stems[0] == word[0] else f"(?:{raw}|{re.escape(stems[0])})"
        return tantivy.Query.boost_query(
            tantivy.Query.regex_query(schema, fname, f"{pattern}.*"), FIELD_WEIGHTS[fname] * PREFIX_SCORE
        )
    if fname == "authors":
        terms = list(enumerate(analyze(clause.text, NAME_ANALYZER)))
    else:
        terms = analyze_positions(clause.text)
    if not terms:
        return None
    if len(terms) == 1:
        q = tantivy.Query.term_query(schema, fname, terms[0][1])
    else:
        first = terms[0][0]
        q = tantivy.Query.phrase_query(schema, fname, [(pos - first, term) for pos, term in terms])
    return tantivy.Query.boost_query(q, FIELD_WEIGHTS[fname])


def _clause_parts(schema: tantivy.Schema, clause: Clause) -> list[tantivy.Query]:
    """The clause's query in each field it searches (those where it has index terms)."""
    fields = [clause.field] if clause.field else ["text", "title", "authors"]
    return [q for f in fields if (q := _field_text_query(schema, f, clause)) is not None]


def compound_parts(clause: Clause) -> list[tuple[int, str]] | None:
    """The index terms, with positions, of an optional plain word that the analyzer splits into several
    ("vision-language" -> [(0, "vision"), (1, "languag")]); None for any other clause.

    Such a word is matched as its parts, each an optional word of its own (:func:`text_query_parts`), as
    Lucene's standard analyzer and query parser do; the whole query's proximity boosts still reward the
    words side by side. Matched as a phrase, it checked positions in every paper holding all its parts:
    at 1M papers the bench's slowest 1% of keyword queries (nearly all with such a word) took 3x as long
    as with the parts (e.g. 41.6 against 13.7 ms). Keyword nDCG@10 with the parts: CISI 0.4025 against
    0.4009 as a phrase (NPL has no such words: 0.4415 either way); adding the compound as a phrase boost
    (weight 1 / 2 / 4) gave CISI 0.3914 / 0.3874 / 0.3872, so there is none. A typed phrase, a required or
    excluded word and a field's word (``"vision-language"``, ``-vision-language``, ``title:x-y``) stay
    phrases."""
    if clause.kind != "term" or clause.field is not None or clause.occur != "should":
        return None
    terms = analyze_positions(clause.text)
    return terms if len(terms) >= 2 else None


def _optional_word_parts(schema: tantivy.Schema, clause: Clause) -> list[tantivy.Query]:
    """The (word, field) queries of one optional clause. A split word: each of its index terms in the
    title and text fields, and the word as a phrase of name parts in authors ("Jean-Pierre"; a part such
    as "de" of "de-noising" alone would match every author named de ...)."""
    parts = compound_parts(clause)
    if parts is None:
        return _clause_parts(schema, clause)
    out = [
        tantivy.Query.boost_query(tantivy.Query.term_query(schema, fname, term), FIELD_WEIGHTS[fname])
        for _, term in parts
        for fname in ("text", "title")
    ]
    names = _field_text_query(schema, "authors", clause)
    return out if names is None else [*out, names]


def _clause_query(schema: tantivy.Schema, clause: Clause) -> tantivy.Query | None:
    parts = _clause_parts(schema, clause)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in parts])


def proximity_queries(schema: tantivy.Schema, parsed: ParsedQuery) -> list[tantivy.Query]:
    """The proximity boosts of ``build_text_query`` (empty when the query has none; a paper's score under
    the whole query is its score without them plus the score of each that it matches). Known-item
    boosts: the whole run of plain words, and each typed phrase, found as a phrase in the title.
    (Boosting adjacent word pairs in the abstract was measured too: it lowered nDCG@10 on NPL and CISI.)"""
    words = [c.text for c in parsed.clauses if c.kind == "term" and c.field is None and c.occur != "must_not"]
    out: list[tantivy.Query] = []
    run = analyze_positions(" ".join(words))
    if 2 <= len(run) <= 32:
        first = run[0][0]
        phrase = tantivy.Query.phrase_query(schema, "title", [(p - first, t) for p, t in run], 1)
        out.append(tantivy.Query.boost_query(phrase, TITLE_PHRASE_BOOST))
    if TEXT_PHRASE_WEIGHT > 0 and 2 <= len(run) <= TEXT_PHRASE_MAX_TERMS:
        first = run[0][0]
        phrase = tantivy.Query.phrase_query(
            schema, "text", [(p - first, t) for p, t in run], TEXT_PHRASE_SLOP
        )
        out.append(tantivy.Query.boost_query(phrase, TEXT_PHRASE_WEIGHT))
    for c in parsed.clauses:  # a typed phrase found in the title is a strong known-item signal too
        if c.kind == "phrase" and c.field is None and c.occur != "must_not":
            terms = analyze_positions(c.text)
            if len(terms) >= 2:
                first = terms[0][0]
                q = tantivy.Query.phrase_query(schema, "title", [(p - first, t) for p, t in terms])
                out.append(tantivy.Query.boost_query(q, TITLE_PHRASE_BOOST))
    return out


def constraint_query(
    schema: tantivy.Schema, parsed: ParsedQuery
) -> list[tuple[tantivy.Occur, tantivy.Query]]:
    """The parts of the query every result must satisfy (required and excluded clauses, categories),
    without the optional words: applied to semantic candidates too."""
    out: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for c in parsed.text_clauses:
        if c.occur == "should":
            continue
        q = _clause_query(schema, c)
        if q is None:
            continue
        out.append((tantivy.Occur.Must if c.occur == "must" else tantivy.Occur.MustNot, q))
    cats = parsed.categories
    if cats:
        out.append((tantivy.Occur.Must, tantivy.Query.term_set_query(schema, "categories", cats)))
    for cat in parsed.excluded_categories:
        out.append((tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "categories", cat)))
    return out


@dataclass
class TextQueryParts:
    """The ranked keyword query of :func:`build_text_query` in its parts. A paper matches the query when
    it satisfies every Must clause of ``constraints`` and none of its MustNot clauses and, when
    ``words_required``, matches at least one of ``words``; its score is the sum of the scores of the
    Must clauses, words and boosts it matches (tantivy sums a boolean query's clause scores)."""

    #: Required (Must) and excluded (MustNot) clauses: +words, -words, categories; Must all_query when
    #: the query has only exclusions.
    constraints: list[tuple[tantivy.Occur, tantivy.Query]]
    #: The optional words, one query per (word, field): at least one must match unless a clause is required.
    words: list[tantivy.Query]
    #: The proximity boosts (optional phrase queries; empty when built with ``proximity=False``).
    boosts: list[tantivy.Query]

    @property
    def words_required(self) -> bool:
        return bool(self.words) and not any(o == tantivy.Occur.Must for o, _ in self.constraints)

    def query(self) -> tantivy.Query:
        """The parts as one tantivy query (what :func:`build_text_query` returns)."""
        clauses = list(self.constraints)
        if self.words:
            any_word = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in self.words])
            clauses.append((tantivy.Occur.Must if self.words_required else tantivy.Occur.Should, any_word))
        clauses.extend((tantivy.Occur.Should, q) for q in self.boosts)
        if len(clauses) == 1 and clauses[0][0] == tantivy.Occur.Must:
            return clauses[0][1]
        return tantivy.Query.boolean_query(clauses)


def text_query_parts(
    schema: tantivy.Schema, parsed: ParsedQuery, proximity: bool = True
) -> TextQueryParts | None:
    """The parts of :func:`build_text_query` (None when it is None)."""
    # The optional words as one flat union of (word, field) queries, not a union of per-word unions: the
    # same matches and the same sum of BM25 scores (up to float rounding), about 20% faster at 1M papers.
    # A word the analyzer splits ("vision-language") is its parts here, each an optional word.
    should = [q for c in parsed.text_clauses if c.occur == "should" for q in _optional_word_parts(schema, c)]
    constraints = constraint_query(schema, parsed)
    has_must = any(o == tantivy.Occur.Must for o, _ in constraints)
    if not should and not has_must:
        if parsed.has_positive:
            return None  # only stop words / punctuation: nothing can match
        if not constraints:
            return None
        constraints.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    return TextQueryParts(constraints, should, proximity_queries(schema, parsed) if proximity else [])


def build_text_query(
    schema: tantivy.Schema, parsed: ParsedQuery, proximity: bool = True
) -> tantivy.Query | None:
    """The ranked keyword query: optional words (at least one must match), required and excluded
    clauses, category filters, and (unless ``proximity`` is False) the proximity boosts. None when
    nothing in it can match any indexed term (then the search has no keyword results).

    Without the proximity boosts the query matches the same papers (the boosts are optional clauses)
    and is a flat union of term queries, about a third cheaper to run over every match; the retriever
    runs that, then scores its top candidates with the whole query (see Retriever.keyword_ranked)."""
    parts = text_query_parts(schema, parsed, proximity)
    return parts.query() if parts is not None else None
