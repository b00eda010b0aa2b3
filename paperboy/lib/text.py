"""Text clean-up for arXiv metadata: one-line titles, TeX accents, plain-text forms.

arXiv titles and abstracts are raw LaTeX-ish text with hard line wraps (../shared/DOMAIN.md, "Text").
We store the raw abstract, a one-line title, author names in Unicode (keeping the raw form), and
derive a plain-text form for search and e-mail.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

__all__ = ["clean_title", "collapse_whitespace", "plain_text", "split_authors", "tex_to_unicode"]

_WS = re.compile(r"\s+")
_TEX_MARK = re.compile(r"[\\{}$~]")
# A "%" not escaped as "\%" is a percent sign in arXiv text, never a TeX comment.
_BARE_PERCENT = re.compile(r"(?<!\\)%")


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
        converted = _latex_converter().latex_to_text(_BARE_PERCENT.sub(r"\\%", text))
    except Exception:  # pylatexenc raises assorted errors on broken markup; keep the raw text then
        return text
    return collapse_whitespace(converted)


# Accent commands and the Unicode combining mark each puts on the next letter.
_COMBINING = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
}
_LETTER_MACROS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}
# {\'e}, \'{e}, \'e, \v{s}, \c c, \u{a} — an accent command and the letter it marks.
_ACCENT = re.compile(r"""\{?\\(?:([\'`^"~=.])\s*|([uvHckrd])(?:\s+|(?=\{)))\{?(\\?[A-Za-z])\}?\}?""")
_LETTER = re.compile(r"\{?\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])\}?\s?")
_TEXT_MACRO = re.compile(
    r"\\(?:emph|textbf|textit|texttt|textsc|textrm|textsf|textup|textmd|textsl|underline|mbox|text|url|bf|it)"
    r"\s*\{([^{}]*)\}"
)
_BARE_MACRO = re.compile(r"\\(?:emph|em|bf|it|rm|sc|tt|sl|textbf|textit)\b\s*")
_ESCAPES = {
    "\\%": "%",
    "\\&": "&",
    "\\_": "_",
    "\\#": "#",
    "\\$": "\uf8ff",
    "\\{": "{",
    "\\}": "}",
    "~": " ",
    "``": "“",
    "''": "”",
    "\\,": " ",
    "\\ ": " ",
    "\\-": "",
}
_ESCAPE = re.compile("|".join(re.escape(k) for k in sorted(_ESCAPES, key=len, reverse=True)))
_MATH = re.compile(r"(\$\$?)(.+?)\1", re.DOTALL)
_BRACES = re.compile(r"[{}]")


def _accent(match: re.Match[str]) -> str:
    mark = _COMBINING[match.group(1) or match.group(2)]
    letter = match.group(3)
    if letter in ("\\i", "\\j"):
        letter = letter[1]
    elif letter.startswith("\\"):
        return match.group(0)
    return unicodedata.normalize("NFC", letter + mark)


def _plain_prose(text: str) -> str:
    text = _ACCENT.sub(_accent, text)
    text = _LETTER.sub(lambda m: _LETTER_MACROS[m.group(1)], text)
    for _ in range(3):  # nested \emph{\textbf{…}}
        new = _TEXT_MACRO.sub(r"\1", text)
        if new == text:
            break
        text = new
    text = _BARE_MACRO.sub("", text)
    text = _ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], text)
    return _BRACES.sub("", text)


@lru_cache(maxsize=4096)
def plain_text(text: str) -> str:
    """A plain-text form of TeX-ish text for search, snippets and e-mail.

    Accents become Unicode (``Schr\\"odinger`` -> ``Schrödinger``), text macros lose their markup
    (``\\emph{x}`` -> ``x``), escapes are resolved (``50\\%`` -> ``50%``), grouping braces go, math is kept
    verbatim between its ``$`` signs (``$O(\\hbar)$`` stays), and white space is folded. A bare ``%`` is a
    percent sign. Regex-based: about 50x faster than a full TeX parse (pylatexenc), which matters when
    indexing a million abstracts; ``tex_to_unicode`` keeps the full parser for author names.
    """
    if not text:
        return ""
    if not _TEX_MARK.search(text) and "''" not in text and "``" not in text:
        return collapse_whitespace(text)
    parts: list[str] = []
    last = 0
    for match in _MATH.finditer(text):
        parts.append(_plain_prose(text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_plain_prose(text[last:]))
    return collapse_whitespace("".join(parts)).replace("\uf8ff", "$")


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
