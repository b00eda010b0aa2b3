"""Abstract snippets with the matched words highlighted: HTML-escaped text, ``<mark>`` around matches."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache

from paperboy.search.engine import _analyze_word, analyze
from paperboy.search.query import ParsedQuery

__all__ = ["highlight_terms", "make_snippet"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
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


def make_snippet(text: str, parsed: ParsedQuery, max_words: int = WINDOW_WORDS) -> str:
    """An HTML fragment: the ``max_words`` window of ``text`` with the most matched words, escaped, each
    match in ``<mark>``, with "…" where text was cut. Safe to render with ``|safe``."""
    text = text or ""
    terms, prefixes = highlight_terms(parsed)
    words = list(_WORD.finditer(text))
    flags = [bool(terms or prefixes) and _matches(m.group(), terms, prefixes) for m in words]
    start = 0
    if any(flags) and len(words) > max_words:
        best, best_count = 0, -1
        count = sum(flags[:max_words])
        for i in range(len(words) - max_words + 1):
            if i:
                count += flags[i + max_words - 1] - flags[i - 1]
            if count > best_count:
                best, best_count = i, count
        first_hit = next(j for j in range(best, len(words)) if flags[j])
        start = max(0, min(best, first_hit - LEAD_WORDS))
    end = min(len(words), start + max_words)
    if not words:
        return html.escape(text[:300])
    begin_char = 0 if start == 0 else words[start].start()
    end_char = len(text) if end == len(words) else words[end - 1].end()
    out: list[str] = ["…"] if begin_char > 0 else []
    pos = begin_char
    for m, hit in zip(words[start:end], flags[start:end], strict=True):
        if hit:
            out.append(html.escape(text[pos : m.start()]))
            out.append(f"<mark>{html.escape(m.group())}</mark>")
            pos = m.end()
    out.append(html.escape(text[pos:end_char]))
    if end_char < len(text):
        out.append("…")
    return "".join(out)
