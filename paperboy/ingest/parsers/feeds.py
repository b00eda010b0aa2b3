"""arXiv listing feeds (``rss.arxiv.org/rss/<cat>`` RSS 2.0 and ``rss.arxiv.org/atom/<cat>`` Atom), via feedparser.

Each item carries ``arxiv:announce_type``: ``new`` and ``cross`` enter that day's list (``announced_on``
= the feed's day, i.e. the item's ``published`` date in US-Eastern time), ``replace`` and
``replace-cross`` only update papers (a higher version re-syncs title, abstract and authors).
Authors come from ``dc:creator`` (one comma-separated string, TeX accents raw); the abstract is the
``summary`` without its ``arXiv:<id>vN Announce Type: <type> Abstract:`` preamble; links are built
from the id, never taken from the feed. A feed that is not well-formed (e.g. cut off) is imported as
far as it reads and reported with one error. Positions are ``<name>#<n>`` (1-based item index).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import feedparser

from paperboy.ingest.parsers.base import (
    ARXIV_TZ,
    Item,
    ParseError,
    SourceError,
    parse_datetime,
    require_id,
    split_categories,
)
from paperboy.lib.text import split_authors
from paperboy.papers.services import PaperRecord

__all__ = ["parse"]

_PREAMBLE = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*(?:Abstract:\s*)?", re.IGNORECASE)
LISTED_TYPES = {"new", "cross"}
KNOWN_TYPES = {"new", "cross", "replace", "replace-cross"}


def entry_record(entry: Any) -> PaperRecord:
    """One feedparser entry -> PaperRecord. Raises ValueError."""
    ident = require_id(entry.get("id") or entry.get("guid") or entry.get("link") or "")
    announce_type = (entry.get("arxiv_announce_type") or "").strip().lower()
    if announce_type and announce_type not in KNOWN_TYPES:
        raise ValueError(f"unknown announce_type {announce_type!r}")
    title = (entry.get("title") or "").strip()
    if not title:
        raise ValueError("missing title")
    published = parse_datetime(entry.get("published") or entry.get("updated") or "")
    creators = entry.get("author") or ""
    if not creators and entry.get("authors"):
        creators = ", ".join(a.get("name", "") for a in entry["authors"])
    categories = split_categories([t.get("term", "") for t in entry.get("tags") or []])
    listed = announce_type in LISTED_TYPES or not announce_type
    return PaperRecord(
        arxiv_id=ident.arxiv_id,
        version=ident.version,
        title=title,
        abstract=_PREAMBLE.sub("", entry.get("summary") or "").strip(),
        authors=split_authors(creators),
        categories=categories,
        primary_category=categories[0] if announce_type in ("new", "replace") and categories else "",
        doi=(entry.get("arxiv_doi") or "").strip(),
        journal_ref=(entry.get("arxiv_journal_reference") or "").strip(),
        announced_on=published.astimezone(ARXIV_TZ).date() if published and listed else None,
    )


def parse(stream: BinaryIO, name: str) -> Iterator[Item]:
    data = stream.read()
    feed = feedparser.parse(data)
    if not feed.entries and feed.bozo:
        raise SourceError(f"{name}: not a feed: {feed.get('bozo_exception')}")
    entries = list(feed.entries)
    # A feed that stops being well-formed (cut off) ends in an entry that may be incomplete.
    cut = entries.pop() if feed.bozo and entries else None
    for index, entry in enumerate(entries, start=1):
        position = f"{name}#{index}"
        try:
            yield position, entry_record(entry)
        except ValueError as exc:
            yield position, ParseError(str(exc))
    if feed.bozo:
        where = f"{name}#{len(entries) + 1}"
        what = f"entry {cut.get('id', '?')} cut off: " if cut is not None else ""
        yield where, ParseError(f"{what}feed not well-formed from here: {feed.get('bozo_exception')}")
