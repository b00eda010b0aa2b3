"""arXiv API (``export.arxiv.org/api/query``) Atom responses, in the 2026 and the 2016 formats.

Each ``<entry>`` becomes a record: the id (``http://arxiv.org/abs/1605.08386v1``) gives the arXiv id
and version; ``published`` = v1 date, ``updated`` = this version's date; ``arxiv:primary_category``,
``category``, ``arxiv:comment``, ``arxiv:journal_ref``, ``arxiv:doi``, ``author/name``.
The API reports errors (HTTP 400) as a feed with one entry whose id is ``…/api/errors#…``: that is a
:class:`SourceError`, never a paper. Recorded responses wrapped as JSON ``{"url", "status_code",
"body"}`` (../shared/data/raw-arxiv-api-atom/recorded_2026) are accepted too.
Positions are ``<name>#<n>`` (1-based entry index in the feed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from paperboy.ingest.parsers.base import Item, ParseError, SourceError, parse_datetime, require_id
from paperboy.papers.services import PaperRecord

__all__ = ["FeedPage", "parse", "parse_page"]

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


@dataclass
class FeedPage:
    """One API response: paging figures and its items."""

    total_results: int | None
    start_index: int | None
    items_per_page: int | None
    items: list[Item]


def _unwrap(data: bytes, name: str) -> bytes:
    """A recorded JSON wrapper ``{"url", "status_code", "body"}`` -> the Atom body (errors on non-200)."""
    if not data.lstrip().startswith(b"{"):
        return data
    try:
        wrapper = json.loads(data)
    except ValueError as exc:
        raise SourceError(f"{name}: neither Atom nor a recorded response: {exc}") from exc
    body = wrapper.get("body", "")
    status = wrapper.get("status_code", 200)
    if status != 200:
        raise SourceError(f"{name}: HTTP {status}: {_error_text(body.encode()) or body[:200]}")
    return body.encode("utf-8")


def _error_text(body: bytes) -> str | None:
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError:
        return None
    for entry in root.iter(f"{ATOM}entry"):
        ident = entry.findtext(f"{ATOM}id") or ""
        if "/api/errors" in ident:
            return (entry.findtext(f"{ATOM}summary") or ident).strip()
    return None


def _int(root: etree._Element, tag: str) -> int | None:
    text = root.findtext(f"{OPENSEARCH}{tag}")
    return int(text) if text and text.strip().isdigit() else None


def _text(entry: etree._Element, tag: str) -> str:
    return (entry.findtext(tag) or "").strip()


def entry_record(entry: etree._Element) -> PaperRecord:
    """One Atom ``<entry>`` -> PaperRecord. Raises ValueError when malformed."""
    ident = require_id(_text(entry, f"{ATOM}id"))
    title = _text(entry, f"{ATOM}title")
    if not title:
        raise ValueError("missing title")
    categories = [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    primary = entry.find(f"{ARXIV}primary_category")
    published = parse_datetime(_text(entry, f"{ATOM}published"))
    updated = parse_datetime(_text(entry, f"{ATOM}updated"))
    return PaperRecord(
        arxiv_id=ident.arxiv_id,
        version=ident.version,
        title=title,
        abstract=(entry.findtext(f"{ATOM}summary") or "").strip(),
        authors=[_text(a, f"{ATOM}name") for a in entry.findall(f"{ATOM}author") if _text(a, f"{ATOM}name")],
        categories=[c for c in categories if c],
        primary_category=primary.get("term", "") if primary is not None else "",
        comments=_text(entry, f"{ARXIV}comment"),
        journal_ref=_text(entry, f"{ARXIV}journal_ref"),
        doi=_text(entry, f"{ARXIV}doi"),
        published_at=published,
        updated_at=updated or published,
    )


def parse_page(data: bytes, name: str) -> FeedPage:
    """Parse one API response. Raises SourceError for the API's error feed or unreadable XML."""
    body = _unwrap(data, name)
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{name}: not XML: {exc}") from exc
    error = _error_text(body)
    if error is not None:
        raise SourceError(f"{name}: arXiv API error: {error}")
    items: list[Item] = []
    for index, entry in enumerate(root.findall(f"{ATOM}entry"), start=1):
        position = f"{name}#{index}"
        try:
            items.append((position, entry_record(entry)))
        except ValueError as exc:
            items.append((position, ParseError(str(exc))))
    return FeedPage(_int(root, "totalResults"), _int(root, "startIndex"), _int(root, "itemsPerPage"), items)


def parse(stream: BinaryIO, name: str) -> Iterator[Item]:
    yield from parse_page(stream.read(), name).items
