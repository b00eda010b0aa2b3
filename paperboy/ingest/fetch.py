"""Polite live fetching from arXiv and Hugging Face, and the live item streams of each format.

:class:`PoliteClient` is the one HTTP client: one ``requests`` session with one connection, at least
``settings.ARXIV_REQUEST_INTERVAL_SECONDS`` between two requests (arXiv asks for 3 s), retries with
exponential back-off on 429/503 and connection errors (honouring ``Retry-After``), timeouts, and a
clear :class:`LiveNetworkDisabled` error when ``settings.LIVE_NETWORK`` is false.

:func:`live_items` gives ``(position, PaperRecord | ParseError | PageDone)`` items for ``run_ingest``:
- ``atom``: the arXiv API pager (``search_query``/``id_list``, ``start``, ``max_results`` ≤ 2,000 a call;
  an empty page before ``totalResults`` is retried then skipped, the end is ``start >= totalResults``);
- ``oai``: ``ListRecords`` following resumption tokens with a :class:`HarvestCheckpoint` (a rerun resumes
  from the saved token; ``badResumptionToken`` restarts from the last datestamp) or ``GetRecord`` per id;
- ``feed``: the listing feed of each category; ``hf``: ``/api/daily_papers`` for a date, week or month.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from paperboy.ingest.models import HarvestCheckpoint
from paperboy.ingest.parsers import atom, feeds, hf, oai
from paperboy.ingest.parsers.base import Item, PageDone

__all__ = ["FetchError", "LiveNetworkDisabled", "PoliteClient", "live_items"]

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 503}
MAX_BACKOFF_SECONDS = 600.0
API_PAGE_MAX = 2000
API_TOTAL_MAX = 30000


class FetchError(Exception):
    """A live source could not be read (after retries), or answered with an unusable status."""


class LiveNetworkDisabled(FetchError):
    """``settings.LIVE_NETWORK`` is false (tests, offline installs): no request was made."""


class PoliteClient:
    """GET with one connection, a minimum interval between requests and back-off on 429/503.

    Args:
        interval: seconds between the starts of two requests (default: ARXIV_REQUEST_INTERVAL_SECONDS).
        max_retries: retries of one request after 429/503/connection errors before FetchError.
        timeout: (connect, read) seconds.
        sleep, clock: injectable for tests (``time.sleep`` / ``time.monotonic``).
    """

    def __init__(
        self,
        *,
        interval: float | None = None,
        max_retries: int = 5,
        timeout: tuple[float, float] = (10.0, 120.0),
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.interval = settings.ARXIV_REQUEST_INTERVAL_SECONDS if interval is None else interval
        self.max_retries = max_retries
        self.timeout = timeout
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self._last: float | None = None
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, pool_block=True, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = settings.HTTP_USER_AGENT

    def _wait_turn(self) -> None:
        if self._last is not None:
            wait = self._last + self.interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last = self.clock()

    def _retry_after(self, response: requests.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After", "").strip()
        if header.isdigit():
            return min(float(header), MAX_BACKOFF_SECONDS)
        if header:
            try:
                when = email.utils.parsedate_to_datetime(header)
                return min(max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0), MAX_BACKOFF_SECONDS)
            except (TypeError, ValueError):
                pass
        return min(max(self.interval, 1.0) * 2**attempt, MAX_BACKOFF_SECONDS)

    def get(self, url: str, params: dict[str, Any] | None = None) -> requests.Response:
        """GET ``url``; returns the response for any status except 429/503, which are retried.

        Raises:
            LiveNetworkDisabled: settings.LIVE_NETWORK is false.
            FetchError: still 429/503 or no connection after ``max_retries`` retries.
        """
        if not settings.LIVE_NETWORK:
            raise LiveNetworkDisabled(
                f"live network access is off (PAPERBOY_LIVE_NETWORK=false); not fetching {url}"
            )
        for attempt in range(self.max_retries + 1):
            self._wait_turn()
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == self.max_retries:
                    raise FetchError(f"{url}: {exc}") from exc
                delay = min(max(self.interval, 1.0) * 2**attempt, MAX_BACKOFF_SECONDS)
                log.warning("fetch %s failed (%s); retrying in %.0f s", url, exc, delay)
                self.sleep(delay)
                continue
            if response.status_code not in RETRY_STATUSES:
                return response
            if attempt == self.max_retries:
                raise FetchError(f"{url}: HTTP {response.status_code} after {self.max_retries} retries")
            delay = self._retry_after(response, attempt)
            log.warning("fetch %s: HTTP %s; retrying in %.0f s", response.url, response.status_code, delay)
            self.sleep(delay)
        raise FetchError(f"{url}: no response")  # pragma: no cover - the loop returns or raises


def _ok(response: requests.Response) -> bytes:
    if response.status_code != 200:
        raise FetchError(f"{response.url}: HTTP {response.status_code}: {response.text[:300]}")
    return response.content


# --- arXiv API (Atom) -------------------------------------------------------------------------------


def api_items(
    client: PoliteClient,
    *,
    query: str | None = None,
    ids: list[str] | None = None,
    max_results: int | None = None,
    page_size: int = 200,
    empty_page_retries: int = 2,
) -> Iterator[Item]:
    """Page through the arXiv API. Empty pages before the end are retried, then skipped."""
    if not query and not ids:
        raise ValueError("atom --live needs --query or --id")
    wanted = min(max_results or API_TOTAL_MAX, API_TOTAL_MAX)
    page_size = min(page_size, API_PAGE_MAX)
    start = 0
    empty_tries = 0
    total: int | None = None
    while start < wanted and (total is None or start < total):
        params = {
            "search_query": query or "",
            "id_list": ",".join(ids or []),
            "start": start,
            "max_results": min(page_size, wanted - start),
        }
        response = client.get(settings.ARXIV_API_URL, params=params)
        if response.status_code not in (200, 400):
            raise FetchError(f"{response.url}: HTTP {response.status_code}")
        page = atom.parse_page(
            json_wrap(response) if response.status_code != 200 else response.content, response.url
        )
        total = page.total_results if page.total_results is not None else 0
        if not page.items and start < total:
            empty_tries += 1
            if empty_tries <= empty_page_retries:
                continue
            log.warning("arXiv API: page at start=%s stayed empty; skipping it", start)
            start += params["max_results"]  # type: ignore[operator]
            empty_tries = 0
            continue
        empty_tries = 0
        yield from page.items
        yield response.url, PageDone(lambda: None)
        start += len(page.items) if page.items else params["max_results"]  # type: ignore[operator]


def json_wrap(response: requests.Response) -> bytes:
    """A non-200 API answer in the recorded-wrapper form, so the parser reports it as an error."""
    import json

    return json.dumps(
        {"url": response.url, "status_code": response.status_code, "body": response.text}
    ).encode()


# --- OAI-PMH ----------------------------------------------------------------------------------------


def oai_items(
    client: PoliteClient,
    *,
    prefix: str = "arXiv",
    category: str | None = None,
    from_date: str | None = None,
    until_date: str | None = None,
    ids: list[str] | None = None,
    max_restarts: int = 3,
) -> Iterator[Item]:
    """Harvest ``ListRecords`` (resumable through a HarvestCheckpoint) or ``GetRecord`` for ``ids``."""
    url = settings.ARXIV_OAI_URL
    if ids:
        for arxiv_id in ids:
            params = {
                "verb": "GetRecord",
                "identifier": f"oai:arXiv.org:{arxiv_id}",
                "metadataPrefix": prefix,
            }
            response = client.get(url, params=params)
            yield from oai.iter_oai(io.BytesIO(_ok(response)), response.url, oai.OaiInfo())
            yield response.url, PageDone(lambda: None)
        return
    key = f"oai:{prefix}:{category or 'all'}:{from_date or ''}:{until_date or ''}"
    checkpoint, _ = HarvestCheckpoint.objects.get_or_create(key=key)
    if checkpoint.completed:  # a finished harvest starts over (records are upserted idempotently)
        checkpoint.resumption_token, checkpoint.cursor, checkpoint.completed = "", 0, False
        checkpoint.save()

    def fresh(since: str | None) -> dict[str, str]:
        params = {"verb": "ListRecords", "metadataPrefix": prefix}
        if since:
            params["from"] = since
        if until_date:
            params["until"] = until_date
        if category:
            params["set"] = category
        return params

    params = (
        {"verb": "ListRecords", "resumptionToken": checkpoint.resumption_token}
        if checkpoint.resumption_token
        else fresh(from_date)
    )
    restarts = 0
    while True:
        response = client.get(url, params=params)
        info = oai.OaiInfo()
        try:
            items = list(oai.iter_oai(io.BytesIO(_ok(response)), response.url, info))
        except oai.BadResumptionToken:
            restarts += 1
            if restarts > max_restarts:
                raise
            since = checkpoint.last_datestamp.isoformat() if checkpoint.last_datestamp else from_date
            log.warning("OAI-PMH: resumption token expired; restarting from %s", since)
            checkpoint.resumption_token = ""
            checkpoint.save()
            params = fresh(since)
            continue
        yield from items

        def commit(info: oai.OaiInfo = info) -> None:
            checkpoint.resumption_token = info.resumption_token or ""
            if info.cursor is not None:
                checkpoint.cursor = info.cursor
            if info.last_datestamp and (
                checkpoint.last_datestamp is None or info.last_datestamp > checkpoint.last_datestamp
            ):
                checkpoint.last_datestamp = info.last_datestamp
            checkpoint.completed = not info.resumption_token
            checkpoint.save()

        yield response.url, PageDone(commit)
        if not info.resumption_token:
            return
        params = {"verb": "ListRecords", "resumptionToken": info.resumption_token}


# --- listing feeds and HF ---------------------------------------------------------------------------


def feed_items(client: PoliteClient, *, category: str | None = None) -> Iterator[Item]:
    if not category:
        raise ValueError("feed --live needs --category (e.g. cs.AI, or cs.AI+cs.CL)")
    url = settings.ARXIV_FEED_URL.format(category=category)
    response = client.get(url)
    yield from feeds.parse(io.BytesIO(_ok(response)), url)
    yield url, PageDone(lambda: None)


def hf_items(
    client: PoliteClient,
    *,
    date: str | None = None,
    week: str | None = None,
    month: str | None = None,
    page_size: int = 100,
    max_pages: int = 50,
) -> Iterator[Item]:
    params: dict[str, Any] = {"limit": page_size}
    if date:
        params["date"] = date
    elif week:
        params["week"] = week
    elif month:
        params["month"] = month
    else:
        params["date"] = dt.datetime.now(dt.UTC).date().isoformat()
    for page in range(max_pages):
        params["p"] = page
        response = client.get(settings.HF_DAILY_PAPERS_URL, params=params)
        items = list(hf.parse(io.BytesIO(_ok(response)), response.url))
        yield from items
        yield response.url, PageDone(lambda: None)
        if len(items) < page_size:
            return


def live_items(source_format: str, *, client: PoliteClient | None = None, **options: Any) -> Iterator[Item]:
    """Items fetched live for ``source_format`` (options as the ``ingest`` command's flags).

    Raises ValueError for a format without a live source (jsonl, listing) or missing options;
    FetchError / LiveNetworkDisabled while fetching.
    """
    client = client or PoliteClient()
    if source_format == "atom":
        return api_items(
            client,
            query=options.get("query"),
            ids=options.get("ids"),
            max_results=options.get("max_results"),
            page_size=options.get("page_size") or 200,
        )
    if source_format == "oai":
        return oai_items(
            client,
            prefix=options.get("prefix") or "arXiv",
            category=options.get("category"),
            from_date=options.get("from_date"),
            until_date=options.get("until_date"),
            ids=options.get("ids"),
        )
    if source_format == "feed":
        return feed_items(client, category=options.get("category"))
    if source_format == "hf":
        return hf_items(
            client, date=options.get("date"), week=options.get("week"), month=options.get("month")
        )
    raise ValueError(f"format {source_format!r} has no live source; import its files instead")
