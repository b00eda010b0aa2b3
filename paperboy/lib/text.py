"""Text clean-up for arXiv metadata: one-line titles, TeX accents, plain-text forms.

arXiv titles and abstracts are raw LaTeX-ish text with hard line wraps (../shared/DOMAIN.md, "Text").
We store the raw abstract, a one-line title, author names in Unicode (keeping the raw form), and
derive a plain-text form for search and e-mail.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

__all__ = ["clean_title", "collapse_whitespace", "plain_text", "split_authors", "tex_to_unicode"]

_WS = re.compile(r"\s+")
_TEX_MARK = re.compile(r"[\\{}$~]")


def collapse_whitespace(text: str) -> str:
    """Join hard-wrapped lines and fold runs of white space to one space.

    Example: ``"A stellar halo walks into a bar: creation of substructure from a smooth\\n  distribution"``
        -> ``"A stellar halo walks into a bar: creation of substructure from a smooth distribution"``
    """
    return _WS.sub(" ", text or "").strip()


def clean_title(title: str) -> str:
    """A title as one line with single spaces (TeX markup is kept: it is rendered on pages)."""
    return collapse_whitespace(title)


@lru_cache(maxsize=1)
def _latex_converter() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="verbatim", keep_comments=False, strict_latex_spaces=False)


@lru_cache(maxsize=65536)
def tex_to_unicode(text: str) -> str:
    """Turn TeX accents and escapes in a name into Unicode; math is left as written.

    Examples: ``Pi\\v{z}urica`` -> ``Pižurica``; ``{\\"U}ber`` -> ``Über``; ``G\\'omez`` -> ``Gómez``;
    ``Jos\\'e`` -> ``José``. Text without ``\\``, ``{``, ``}``, ``$`` or ``~`` is returned unchanged.
    """
    text = collapse_whitespace(text)
    if not _TEX_MARK.search(text):
        return text
    try:
        converted = _latex_converter().latex_to_text(text)
    except Exception:  # pylatexenc raises assorted errors on broken markup; keep the raw text then
        return text
    return collapse_whitespace(converted)


def plain_text(text: str) -> str:
    """A plain-text form of TeX-ish text for search and e-mail: accents to Unicode, markup removed,
    math kept between its ``$`` signs, white space folded."""
    return tex_to_unicode(text or "")


_AND = re.compile(r"\s+and\s+|^and\s+", re.IGNORECASE)


def split_authors(text: str) -> list[str]:
    """Split an arXiv author string into names.

    Splits on commas and the word ``and`` outside parentheses and braces; parenthesised
    affiliations (``Nash (University of Texas)``, ``A (1), B (2) ((1) X, (2) Y)``) are dropped;
    TeX is kept as written. Example: ``"Adam M. Dillamore, Vasily Belokurov, N. Wyn Evans and Elliot Y. Davies"``
    -> 4 names; ``"Ramesh Narayan, Bohdan Paczy\\'nski, and Tsvi Piran"`` -> 3 names.
    """
    text = collapse_whitespace(text)
    pieces: list[str] = []
    buf: list[str] = []
    paren = brace = 0
    for ch in text:
        if ch == "(" and brace == 0:
            paren += 1
            continue
        if ch == ")" and brace == 0 and paren:
            paren -= 1
            continue
        if paren:
            continue
        if ch == "{":
            brace += 1
        elif ch == "}" and brace:
            brace -= 1
        if ch == "," and brace == 0:
            pieces.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    pieces.append("".join(buf))
    names: list[str] = []
    for piece in pieces:
        for name in _AND.split(piece.strip()):
            name = collapse_whitespace(name)
            if name and name.lower() != "and":
                names.append(name)
    return names
