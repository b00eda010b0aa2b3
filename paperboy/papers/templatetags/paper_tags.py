"""Template filters for paper cards and paper pages: ``{% load paper_tags %}``.

All filters return plain strings; Django's autoescaping escapes them (titles and abstracts are
untrusted). Math stays as written between its delimiters so KaTeX's auto-render can typeset it in
the browser, and so it stays readable without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from paperboy.lib.text import collapse_whitespace, plain_text, tex_to_unicode
from paperboy.lib.urls import reverse_fixed

register = template.Library()

# A "%" not written as "\%": in TeX it starts a comment, which would eat the rest of the text.
_BARE_PERCENT = re.compile(r"(?<!\\)%")


@register.filter
def authors_short(authors: Sequence[str] | None, count: int = 3) -> str:
    """``["A", "B", "C", "D", "E"]`` -> ``"A, B, C and 2 more"``; two names -> ``"A and B"``."""
    names = [a for a in (authors or []) if a]
    if not names:
        return ""
    if len(names) <= count:
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names[:count]) + f" and {len(names) - count} more"


@register.filter
def title_text(text: str | None) -> str:
    """A title for places that cannot typeset math (``<title>``, feeds): ``DA$^2$: Depth`` -> ``DA^2: Depth``."""
    return plain_text(text or "").replace("$", "")


@register.filter
def tex_text(text: str | None) -> str:
    """Text for display: TeX accents and text macros to Unicode, math kept verbatim with its delimiters.

    Example: ``"30\\% faster on $O(n^2)$ \\emph{na\\"ive} 50% runs"``
        -> ``"30% faster on $O(n^2)$ naïve 50% runs"``
    """
    if not text:
        return ""
    protected = _BARE_PERCENT.sub(r"\\%", text)
    converted = tex_to_unicode(protected)
    if converted == protected:  # nothing converted, or pylatexenc gave up
        return collapse_whitespace(text)
    return converted


_DELIMITER = re.compile(r"\$\$|\$|\\\(|\\\)|\\\[|\\\]")
_CLOSER = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}


def _balance_math(text: str) -> str:
    """Cut ``text`` before a math span it opens but does not close (``"a $x^2"`` -> ``"a"``)."""
    opened: tuple[int, str] | None = None
    for match in _DELIMITER.finditer(text):
        token = match.group()
        if opened is None:
            if token in _CLOSER:
                opened = (match.start(), token)
        elif token == _CLOSER[opened[1]]:
            opened = None
    return text[: opened[0]].rstrip() if opened else text


@register.filter
def abstract_preview(text: str | None, length: int = 280) -> str:
    """The first ``length`` characters (about) of an abstract as display text, cut at a word, with "…".

    Math spans are never cut in half: a span left open by the cut is dropped.
    """
    display = tex_text(text)
    if len(display) <= length:
        return display
    cut = display[:length]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    cut = _balance_math(cut).rstrip(" ,;:.")
    return cut + "…"


@register.filter
def paper_date(value: dt.date | dt.datetime | None) -> str:
    """As the HF pages write it: ``"Sep 2, 2014"``, or ``"May 17"`` within the current year."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).date() if timezone.is_aware(value) else value.date()
    today = timezone.now().astimezone(dt.UTC).date()
    text = f"{value:%b} {value.day}"
    return text if value.year == today.year else f"{text}, {value.year}"


@register.filter
def iso_week(value: dt.date) -> str:
    """``date(2025, 12, 29)`` -> ``"2026-W01"``."""
    iso = value.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


@register.filter
def age_label(hours: float) -> str:
    """``0.5`` -> ``"just now"``, ``5.2`` -> ``"5 hours ago"``, ``50`` -> ``"2 days ago"``."""
    if hours < 1:
        return "just now"
    if hours < 48:
        value = int(hours)
        return f"{value} hour{'s' if value != 1 else ''} ago"
    days = int(hours // 24)
    return f"{days} days ago"


@register.simple_tag
def fixed_url(name: str) -> str:
    """``{% fixed_url "papers:daily" %}``: ``{% url %}`` for a page without arguments, reversed once per
    process and script prefix (the nav links of every page: about 65 us each, 10 a page). Raises
    NoReverseMatch like ``{% url %}`` for an unknown name."""
    return reverse_fixed(name)


@register.simple_tag
def url_if_exists(name: str, *args: object) -> str:
    """``{% url_if_exists "digests:subscribe" as url %}``: the URL, or "" while that page does not exist."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return ""
