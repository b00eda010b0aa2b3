"""Search template tags.

``{% load search_tags %}{% similar_papers paper as similar %}{% include "search/_similar.html" %}``;
``{% search_card result.paper result.snippet %}``: the card of one search result.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict

from django import template
from django.conf import settings
from django.forms import BaseForm, Form
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from paperboy.papers.models import Paper

register = template.Library()
log = logging.getLogger(__name__)


@register.simple_tag
def similar_papers(paper: Paper, limit: int = 5) -> list[Paper]:
    """Nearest papers by embedding (paperboy.search.similar_papers); an empty list if search fails, so a
    paper page never breaks because of the search index."""
    from paperboy.search.services import similar_papers as impl

    try:
        return impl(paper, limit=limit)
    except Exception:
        log.exception("similar papers failed for %s", paper.pk)
        return []


# -- result cards ------------------------------------------------------------------------------------------
#: Rendered cards kept per process (LRU): about 2 KB each.
CARD_CACHE_SIZE = 5000
_SNIPPET_MARK = f"<!--snippet-{secrets.token_hex(8)}-->"
_cards: OrderedDict[tuple[int, object, int], tuple[float, str, str]] = OrderedDict()
_cards_lock = threading.Lock()


def _card_halves(paper: Paper) -> tuple[str, str] | None:
    """``papers/_card.html`` of ``paper`` split where its snippet goes: (before, after), or None when the
    card does not show the snippet. Cached per (pk, modified_at, upvote_count) for at most
    ``settings.PAGE_CACHE_SECONDS`` (0: no cache), as the list pages are."""
    ttl = settings.PAGE_CACHE_SECONDS
    key = (paper.pk, paper.modified_at, paper.upvote_count)
    now = time.monotonic()
    if ttl > 0:
        with _cards_lock:
            found = _cards.get(key)
            if found is not None and now - found[0] < ttl:
                _cards.move_to_end(key)
                return found[1], found[2]
    html = render_to_string("papers/_card.html", {"paper": paper, "snippet": mark_safe(_SNIPPET_MARK)})
    before, mark, after = html.partition(_SNIPPET_MARK)
    if not mark:
        return None
    if ttl > 0:
        with _cards_lock:
            _cards[key] = (now, before, after)
            _cards.move_to_end(key)
            while len(_cards) > CARD_CACHE_SIZE:
                _cards.popitem(last=False)
    return before, after


@register.simple_tag
def search_card(paper: Paper, snippet: str) -> str:
    """The card of a search result: ``{% include "papers/_card.html" with paper=... snippet=... %}``, but the
    part that depends on the paper alone is rendered once per paper version and reused (rendering 20
    cards took about a third of a search request). ``snippet`` is escaped HTML (paperboy.search.snippets)."""
    halves = _card_halves(paper) if snippet else None
    if halves is None:
        return render_to_string("papers/_card.html", {"paper": paper, "snippet": snippet})
    return mark_safe(halves[0] + str(snippet) + halves[1])  # both parts escaped


def clear_card_cache() -> None:
    with _cards_lock:
        _cards.clear()


# -- the filters of the search form ------------------------------------------------------------------------
FILTER_FIELDS = (
    "published_from",
    "published_to",
    "featured_from",
    "featured_to",
    "category",
    "has_code",
    "min_upvotes",
)
_filters_html: dict[tuple[object, ...], str] = {}


@register.simple_tag
def search_filters(form: Form) -> str:
    """``search/_filters.html`` for this form. The widgets render through Django's form renderer (a
    template each); the HTML depends only on the fields' values and errors, so it is kept per process
    for up to 256 combinations, emptied when full (nearly every search has no filter: one entry)."""
    if not isinstance(form, BaseForm):  # a template rendered without the search form: nothing to cache
        return render_to_string("search/_filters.html", {"form": form})
    key = tuple((form[name].value(), bool(form[name].errors)) for name in FILTER_FIELDS)
    try:
        html = _filters_html.get(key)
    except TypeError:  # an unhashable value: render without the cache
        key, html = (), None
    if html is None:
        html = render_to_string("search/_filters.html", {"form": form})
        if key:
            if len(_filters_html) >= 256:
                _filters_html.clear()
            _filters_html[key] = html
    return html
