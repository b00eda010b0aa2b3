"""Abstract snippets with the matched words highlighted: HTML-escaped text, ``<mark>`` around matches."""

from __future__ import annotations

import html
import re
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from paperboy.lib.text import plain_text
from paperboy.search.engine import _analyze_word, analyze
from paperboy.search.query import ParsedQuery

__all__ = ["Highlighter", "highlight_terms", "make_snippet", "tokens_of"]

WINDOW_WORDS = 45
LEAD_WORDS = 6


def highlight_terms(parsed: ParsedQuery) -> tuple[frozenset[str], tuple[str, ...]]:
    """Index terms and prefixes (lower-case, ASCII-folded) of the positive text clauses of a query."""
    terms: set[str] = set()
    prefixes: list[str] = []
    for c in parsed.clauses:
        if c.occur == "must_not" or c.field in ("category", "authors"):
            continue
        if c.kind == "prefix":
            prefixes.extend(analyze(c.text, "basic")[:1])
        else:
            terms.update(analyze(c.text))
    return frozenset(terms), tuple(prefixes)


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[str, str | None] | None:
    """(folded form, index term) of one word, cached: abstracts repeat their words, and the analyzers
    cost a call into tantivy each (this took a quarter of a search request before the cache)."""
    folded = analyze(word, "basic")
    if not folded:
        return None
    return folded[0], _analyze_word(folded[0])


def _matches(word: str, terms: frozenset[str], prefixes: Iterable[str]) -> bool:
    found = _word_terms(word)
    if found is None:
        return False
    folded, stem = found
    if stem is not None and stem in terms:
        return True
    return any(folded.startswith(p) for p in prefixes)


#: word -> its index term ("" for a stop word or none): a plain dict, filled as words are met and emptied
#: when it passes _STEMS_MAX words (about 100 bytes a word).
_STEMS: dict[str, str] = {}
_STEMS_MAX = 300_000


def _stem(word: str) -> str:
    found = _word_terms(word)
    return (found[1] or "") if found else ""


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class _Tokens:
    """A text cut into words: the words' [start, end) offsets and each word's index term ("" for none)."""

    text: str
    starts: array
    ends: array
    stems: tuple[str, ...]


#: Tokenised texts kept per process (LRU), by the text as stored (an abstract before plain_text): a search
#: shows 20 abstracts, and converting and tokenising each costs about 0.2 ms (a fifth of a search page's
#: CPU); popular papers come back in many searches. About 6 KB an entry (both texts, offsets and terms).
TOKENS_CACHE_SIZE = 4000
_tokens: OrderedDict[tuple[str, bool], _Tokens] = OrderedDict()
_tokens_lock = threading.Lock()


def _tokenize(text: str) -> _Tokens:
    starts, ends, words = array("I"), array("I"), []
    for m in _WORD.finditer(text):
        starts.append(m.start())
        ends.append(m.end())
        words.append(m.group())
    stems = _STEMS
    if len(stems) > _STEMS_MAX:
        stems.clear()
    found: list[str] = []
    for w in words:
        stem = stems.get(w)
        if stem is None:
            stem = stems[w] = _stem(w)
        found.append(stem)
    return _Tokens(text, starts, ends, tuple(found))


def tokens_of(text: str, plain: bool = False) -> _Tokens:
    """The words of ``text`` (of ``plain_text(text)`` when ``plain`` is True), cached (TOKENS_CACHE_SIZE)."""
    key = (text, plain)
    with _tokens_lock:
        found = _tokens.get(key)
        if found is not None:
            _tokens.move_to_end(key)
            return found
    found = _tokenize(plain_text(text) if plain else text)
    with _tokens_lock:
        _tokens[key] = found
        while len(_tokens) > TOKENS_CACHE_SIZE:
            _tokens.popitem(last=False)
    return found


class Highlighter:
    """Snippets of many texts for one query, analysed once.

    Each text is tokenised once per process (``tokens_of``), so marking a 200-word abstract is a list
    comprehension of set look-ups."""

    def __init__(self, parsed: ParsedQuery) -> None:
        self.terms, self.prefixes = highlight_terms(parsed)

    def _flags(self, tokens: _Tokens) -> list[bool]:
        terms, prefixes = self.terms, self.prefixes
        if prefixes:  # "diffus*": compare the folded words (rare; the slower path)
            text = tokens.text
            return [
                _matches(text[a:b], terms, prefixes) for a, b in zip(tokens.starts, tokens.ends, strict=True)
            ]
        if not terms:
            return [False] * len(tokens.stems)
        return [stem in terms for stem in tokens.stems]

    def snippet(self, text: str, max_words: int = WINDOW_WORDS) -> str:
        """An HTML fragment: the ``max_words`` window of ``text`` with the most matched words (the first
        such window), escaped, each match in ``<mark>``, with "…" where text was cut; it starts up to
        LEAD_WORDS words before its first match. Safe to render with ``|safe``."""
        return self._snippet(tokens_of(text or ""), max_words)

    def abstract_snippet(self, abstract: str, max_words: int = WINDOW_WORDS) -> str:
        """``snippet(plain_text(abstract))``, with the conversion cached alongside the words."""
        return self._snippet(tokens_of(abstract or "", plain=True), max_words)

    def _snippet(self, tokens: _Tokens, max_words: int) -> str:
        text, starts, ends = tokens.text, tokens.starts, tokens.ends
        n = len(tokens.stems)
        if not n:
            return html.escape(text[:300])
        flags = self._flags(tokens)
        start = 0
        if n > max_words and True in flags:
            sums = list(accumulate(flags, initial=0))
            counts = [sums[i + max_words] - sums[i] for i in range(n - max_words + 1)]
            best = counts.index(max(counts))
            first_hit = flags.index(True, best)
            start = max(0, min(best, first_hit - LEAD_WORDS))
        end = min(n, start + max_words)
        escape = html.escape
        out: list[str] = ["…"] if start else []
        pos = starts[start] if start else 0  # the text before the first word is kept only from the start
        for i in range(start, end):
            if flags[i]:
                out.append(escape(text[pos : starts[i]]))
                out.append(f"<mark>{escape(text[starts[i] : ends[i]])}</mark>")
                pos = ends[i]
        out.append(escape(text[pos : len(text) if end == n else ends[end - 1]]))
        if end < n:
            out.append("…")
        return "".join(out)


def make_snippet(text: str, parsed: ParsedQuery, max_words: int = WINDOW_WORDS) -> str:
    """An HTML fragment: the ``max_words`` window of ``text`` with the most matched words, escaped, each
    match in ``<mark>``, with "…" where text was cut. Safe to render with ``|safe``. For several texts of
    one query, ``Highlighter(parsed).snippet(text)`` analyses the query once."""
    return Highlighter(parsed).snippet(text, max_words)
