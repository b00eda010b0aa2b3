"""Whole-page cache for anonymous GETs of the list pages, keyed on a version of the data.

An upvote must show on the very next load, so a cached page is never served after the data changed:
each request first reads a *content version* in one cheap query (newest ``Paper.modified_at``, number
and newest id of ``Upvote`` rows, newest ``FeaturedEntry`` id, newest finished ``IngestRun``) and
looks the page up under (path, query string, version). An upvote (a row added or deleted), an ingest
(papers created or saved, featured entries added) or an admin edit changes the version, and the next
request renders afresh. The version is read before the page's own queries, so a stored page is never
older than its key. ``PAGE_CACHE_SECONDS`` bounds anything the version does not see (e.g. a deleted
featured entry, new embeddings behind "similar papers").

Only requests that carry no cookie except ``csrftoken`` and no ``Authorization`` header are served from
or stored into the cache, and only 200 responses that set no cookie. Pages with a CSRF token (the
upvote form) are stored with the token they were rendered with; on a hit, that token is replaced by a
fresh one for the visitor's own CSRF cookie, which CsrfViewMiddleware then sets as usual. Each web
process keeps its own in-memory copy (a LocMemCache): nothing to configure, nothing shared.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

#: Paths served from the cache: exact "/" and these prefixes (lists, paper pages, the JSON list).
CACHED_PREFIXES = ("/day/", "/week/", "/month/", "/trending", "/papers/", "/api/daily_papers")
ALLOWED_COOKIES = {"csrftoken"}
TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
HIT_HEADER = "X-Paperboy-Cache"

_cache = LocMemCache(
    "paperboy-pages", {"TIMEOUT": 300, "OPTIONS": {"MAX_ENTRIES": 2000, "CULL_FREQUENCY": 4}}
)


def content_version() -> str:
    """One query over the tables the cached pages show; changes whenever an upvote or ingest commits."""
    from paperboy.ingest.models import IngestRun
    from paperboy.papers.models import FeaturedEntry, Paper, Upvote

    q = connection.ops.quote_name
    paper, upvote, featured, run = (
        Paper._meta.db_table,
        Upvote._meta.db_table,
        FeaturedEntry._meta.db_table,
        IngestRun._meta.db_table,
    )
    sql = (
        f"SELECT (SELECT MAX({q('modified_at')}) FROM {q(paper)}),"
        f" (SELECT COUNT(*) FROM {q(upvote)}), (SELECT MAX({q('id')}) FROM {q(upvote)}),"
        f" (SELECT MAX({q('id')}) FROM {q(featured)}), (SELECT MAX({q('finished_at')}) FROM {q(run)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return "|".join(str(v) for v in row)


def is_cacheable_request(request: HttpRequest) -> bool:
    if request.method != "GET" or settings.PAGE_CACHE_SECONDS <= 0:
        return False
    path = request.path_info
    if path != "/" and not path.startswith(CACHED_PREFIXES):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    return set(request.COOKIES) <= ALLOWED_COOKIES


def cache_key(request: HttpRequest, version: str) -> str:
    raw = f"{request.method}|{request.get_full_path()}|{request.headers.get('Accept', '')[:100]}|{version}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def clear() -> None:
    """Forget every cached page of this process (tests)."""
    _cache.clear()


class PageCacheMiddleware:
    """Serve and store anonymous list pages (see the module docstring). Place after CsrfViewMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_cacheable_request(request):
            return self.get_response(request)
        key = cache_key(request, content_version())
        stored = _cache.get(key)
        if stored is not None:
            return self._replay(request, stored)
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            response.status_code == 200
            and not (session is not None and session.modified)
            and not response.cookies.keys() - ALLOWED_COOKIES
            and not getattr(response, "streaming", False)
            and "no-store" not in response.get("Cache-Control", "")
        ):
            body = response.content
            found = TOKEN_RE.search(body)
            skip = {"set-cookie", "content-length", HIT_HEADER.lower()}
            headers = [(k, v) for k, v in response.items() if k.lower() not in skip]
            _cache.set(
                key,
                (body, headers, found.group(1) if found else None),
                timeout=settings.PAGE_CACHE_SECONDS,
            )
        response[HIT_HEADER] = "miss"
        return response

    @staticmethod
    def _replay(
        request: HttpRequest, stored: tuple[bytes, list[tuple[str, str]], bytes | None]
    ) -> HttpResponse:
        body, headers, token = stored
        if token is not None:
            # A fresh masked token for this visitor's secret; CsrfViewMiddleware sets the cookie if needed.
            body = body.replace(token, get_token(request).encode())
        response = HttpResponse(body)
        for name, value in headers:
            response[name] = value
        response[HIT_HEADER] = "hit"
        return response
