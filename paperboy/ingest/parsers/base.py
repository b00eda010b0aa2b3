"""What every parser shares: the item shape, errors, date parsing and transparent .gz reading.

A parser is a function ``parse(stream, name) -> Iterator[Item]`` where ``stream`` is a binary file
object (already decompressed) and ``name`` is the file name or URL shown in error positions. Each
item is ``(position, PaperRecord | ParseError)``: ``position`` is ``"<name>:<line>"`` for line
formats and ``"<name>#<n>"`` (1-based entry index) for XML/JSON documents.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO
from zoneinfo import ZoneInfo

from paperboy.lib.arxiv_ids import ArxivId, InvalidArxivId, parse_arxiv_id
from paperboy.papers.services import PaperRecord

__all__ = [
    "ARXIV_TZ",
    "Item",
    "PageDone",
    "ParseError",
    "Parser",
    "SourceError",
    "open_binary",
    "parse_date",
    "parse_datetime",
    "require_id",
    "split_categories",
]

#: arXiv announces on US-Eastern time (../shared/DOMAIN.md, "Dates").
ARXIV_TZ = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class ParseError:
    """A malformed record: why it was skipped (its position travels next to it in the item)."""

    reason: str


@dataclass
class PageDone:
    """Marker a live harvest yields after each page: ingest commits what it has, then calls ``commit()``
    (e.g. to save an OAI-PMH resumption token once the page's records are safely stored)."""

    commit: Callable[[], None]


class SourceError(Exception):
    """The whole input is unusable (an API error feed, an OAI-PMH error, unreadable XML)."""


Item = tuple[str, PaperRecord | ParseError | PageDone]
Parser = Callable[[BinaryIO, str], Iterator[Item]]


def open_binary(path: Path) -> tuple[IO[bytes], BinaryIO]:
    """Open ``path`` for reading; ``.gz`` files are decompressed transparently.

    Returns ``(raw, stream)``: ``raw.tell()`` gives the bytes read from disk (for progress),
    ``stream`` is what parsers read.
    """
    raw = path.open("rb")
    if path.name.endswith(".gz"):
        return raw, gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw, raw


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_datetime(value: object) -> dt.datetime | None:
    """An aware UTC datetime from ISO 8601 (``2024-10-25T00:57:09.392Z``, ``2025-08-20T00:00:00-04:00``),
    a plain date (``2014-01-09`` = midnight UTC) or RFC 822 (``Mon, 2 Apr 2007 19:18:42 GMT``).

    Returns None for empty values. Raises ValueError for text in none of these forms.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if not text:
        return None
    if _DATE_ONLY.match(text):
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    if text[:4].isdigit():
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"not a date: {value!r}") from exc
    else:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"not a date: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def parse_date(value: object) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` (or any form :func:`parse_datetime` accepts, taking its UTC day)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _DATE_ONLY.match(value.strip()):
        return dt.date.fromisoformat(value.strip())
    parsed = parse_datetime(value)
    return parsed.date() if parsed else None


def require_id(raw: object) -> ArxivId:
    """Parse an arXiv id or raise ValueError with a reason fit for an error report."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("missing arXiv id")
    try:
        return parse_arxiv_id(raw)
    except InvalidArxivId as exc:
        raise ValueError(str(exc)) from exc


_CATEGORY = re.compile(r"^[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?$")


def split_categories(value: object) -> list[str]:
    """arXiv categories from a list or a space-separated string, in order, without duplicates.

    Entries that are not arXiv categories (MSC/ACM classes such as ``"94A29, 94A08"`` or
    ``"I.4.2; E.4"``, which some crawls put in the list) are dropped.
    """
    if value is None:
        return []
    if isinstance(value, str):
        items = value.split()
    elif isinstance(value, list):
        items = [str(v).strip() for v in value if v]
    else:
        raise ValueError(f"categories must be a list or a string, not {type(value).__name__}")
    return list(dict.fromkeys(c for c in items if c and _CATEGORY.match(c)))
