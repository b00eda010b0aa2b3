"""Links to the feeds of a list, for page templates.

``{% load feed_tags %}``, then in ``<head>``: ``{% feed_links "search" "Search results" q=query mode=mode %}``
(RSS and Atom ``<link rel="alternate">``), and in the page: ``<a href="{% feed_url "search" q=query %}">RSS</a>``.
Kinds: daily, weekly, trending, search (query parameters), category (``category=``), author (``name=``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html_join

register = template.Library()

_PATH_PARAMS = {"category": "category", "author": "name"}


@register.simple_tag
def feed_url(kind: str, fmt: str = "rss", **params: object) -> str:
    """Path of a feed: ``feed_url("daily", date="2026-02-03")`` -> ``/feeds/daily.rss?date=2026-02-03``."""
    kwargs = {"fmt": fmt}
    path_param = _PATH_PARAMS.get(kind)
    if path_param:
        kwargs[path_param] = str(params.pop(path_param))
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(f"api_site:feed_{kind}", kwargs=kwargs) + (f"?{query}" if query else "")


@register.simple_tag
def feed_links(kind: str, title: str, **params: object) -> str:
    """``<link rel="alternate">`` tags for the RSS and Atom feeds of a list (escaped)."""
    return format_html_join(
        "\n",
        '<link rel="alternate" type="{}" title="{}" href="{}">',
        (
            (mime, f"{title} ({label})", feed_url(kind, fmt, **dict(params)))
            for fmt, mime, label in (
                ("rss", "application/rss+xml", "RSS"),
                ("atom", "application/atom+xml", "Atom"),
            )
        ),
    )
