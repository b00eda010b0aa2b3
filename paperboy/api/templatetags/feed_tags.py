"""Links to the feeds of a list, for page templates.

``{% load feed_tags %}``, then in ``<head>``: ``{% feed_links "search" "Search results" q=query mode=mode %}``
(RSS and Atom ``<link rel="alternate">``), and in the page: ``<a href="{% feed_url "search" q=query %}">RSS</a>``.
Kinds: daily, weekly, trending, search (query parameters), category (``category=``), author (``name=``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html_join

from paperboy.lib.urls import reverse_fixed

register = template.Library()

_PATH_PARAMS = {"category": "category", "author": "name"}
#: Period kind of paperboy.papers.ranking -> (feed kind, query parameter of the feed and of /api/daily_papers)
_PERIOD_FEEDS = {"day": ("daily", "date"), "week": ("weekly", "week"), "month": ("monthly", "month")}


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


@register.simple_tag
def list_feeds(period: Any = None, trending: bool = False) -> dict[str, str]:
    """RSS, Atom and JSON URLs of a list page: a ``ranking.Period`` (day/week/month), trending, or
    (neither) the newest day. ``{% list_feeds period as feeds %}<a href="{{ feeds.rss }}">RSS</a>``."""
    api = reverse("api:daily_papers")
    if trending:
        return {
            "rss": feed_url("trending"),
            "atom": feed_url("trending", "atom"),
            "json": f"{api}?sort=trending",
        }
    if period is None:
        return {"rss": feed_url("daily"), "atom": feed_url("daily", "atom"), "json": api}
    kind, param = _PERIOD_FEEDS[period.kind]
    params = {param: period.slug}
    return {
        "rss": feed_url(kind, **params),
        "atom": feed_url(kind, "atom", **params),
        "json": f"{api}?{urlencode(params)}",
    }


@register.simple_tag(takes_context=True)
def search_feeds(context: template.Context) -> dict[str, str]:
    """RSS and Atom URLs of the search on this page (its query and filters; the page number dropped)."""
    request = context["request"]
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return {fmt: reverse_fixed("api_site:feed_search", fmt=fmt) + f"?{query}" for fmt in ("rss", "atom")}
