"""Abstract snippets with the matched words highlighted: HTML-escaped text, ``<mark>`` around matches."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate

from paperboy.search.engine import _analyze_word, analyze
from paperboy.search.query import ParsedQuery

__all__ = ["Highlighter", "highlight_terms", "make_snippet"]

_SPLIT = re.compile(r"([^\W_]+)", re.UNICODE)
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


class Highlighter:
    """Snippets of many texts for one query, analysed once.

    Each word's index term is looked up in a process-wide dict (the analyzers cost a call into tantivy
    each), so marking a 200-word abstract is a list comprehension of dict and set look-ups."""

    def __init__(self, parsed: ParsedQuery) -> None:
        self.terms, self.prefixes = highlight_terms(parsed)

    def _flags(self, words: list[str]) -> list[bool]:
        terms, prefixes = self.terms, self.prefixes
        if prefixes:  # "diffus*": compare the folded words (rare; the slower path)
            return [_matches(w, terms, prefixes) for w in words]
        if not terms:
            return [False] * len(words)
        stems = _STEMS
        try:
            return [stems[w] in terms for w in words]
        except KeyError:
            if len(stems) > _STEMS_MAX:
                stems.clear()
            for w in words:
                if w not in stems:
                    stems[w] = _stem(w)
            return [stems[w] in terms for w in words]

    def snippet(self, text: str, max_words: int = WINDOW_WORDS) -> str:
        """An HTML fragment: the ``max_words`` window of ``text`` with the most matched words (the first
        such window), escaped, each match in ``<mark>``, with "…" where text was cut; it starts up to
        LEAD_WORDS words before its first match. Safe to render with ``|safe``."""
        text = text or ""
        parts = _SPLIT.split(text)  # [gap, word, gap, word, ..., word, gap]
        words = parts[1::2]
        n = len(words)
        if not n:
            return html.escape(text[:300])
        flags = self._flags(words)
        start = 0
        if n > max_words and True in flags:
            sums = list(accumulate(flags, initial=0))
            counts = [sums[i + max_words] - sums[i] for i in range(n - max_words + 1)]
            best = counts.index(max(counts))
            first_hit = flags.index(True, best)
            start = max(0, min(best, first_hit - LEAD_WORDS))
        end = min(n, start + max_words)
        out: list[str] = ["…"] if start else []
        plain: list[str] = [] if start else [parts[0]]
        escape = html.escape
        for i in range(start, end):
            if flags[i]:
                out.append(escape("".join(plain)))
                out.append(f"<mark>{escape(words[i])}</mark>")
                plain = []
            else:
                plain.append(words[i])
            if i + 1 < end or end == n:
                plain.append(parts[2 * i + 2])
        out.append(escape("".join(plain)))
        if end < n:
            out.append("…")
        return "".join(out)


def make_snippet(text: str, parsed: ParsedQuery, max_words: int = WINDOW_WORDS) -> str:
    """An HTML fragment: the ``max_words`` window of ``text`` with the most matched words, escaped, each
    match in ``<mark>``, with "…" where text was cut. Safe to render with ``|safe``. For several texts of
    one query, ``Highlighter(parsed).snippet(text)`` analyses the query once."""
    return Highlighter(parsed).snippet(text, max_words)
