"""Text clean-up for arXiv metadata: one-line titles, TeX accents, plain-text forms.

arXiv titles and abstracts are raw LaTeX-ish text with hard line wraps (../shared/DOMAIN.md, "Text").
We store the raw abstract, a one-line title, author names in Unicode (keeping the raw form), and
derive a plain-text form for search and e-mail.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

__all__ = ["clean_title", "collapse_whitespace", "plain_text", "tex_to_unicode"]

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
