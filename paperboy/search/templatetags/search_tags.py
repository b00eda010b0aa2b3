"""``{% load search_tags %}{% similar_papers paper as similar %}{% include "search/_similar.html" %}``."""

from __future__ import annotations

import logging

from django import template

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
