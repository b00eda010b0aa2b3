"""JSON Lines: one JSON object a line (Kaggle arxiv-metadata-oai-snapshot, dwdengwei daily files,
hfbot records, our demo JSONL). See :mod:`paperboy.ingest.parsers.records` for the shapes.

dwdengwei files are named ``YYYY-MM-DD.jsonl(.gz)``: that date is the announce day of every record
in the file (unless a record says ``announced_on`` itself). Positions are ``<file>:<line>``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from paperboy.ingest.parsers.base import Item, ParseError
from paperboy.ingest.parsers.records import record_from_object

__all__ = ["announce_day_from_name", "parse"]

_DAY_NAME = re.compile(r"(?:^|/)(\d{4}-\d{2}-\d{2})\.jsonl(?:\.gz)?$")


def announce_day_from_name(name: str) -> dt.date | None:
    """``.../2025-03-18.jsonl.gz`` -> date(2025, 3, 18); other names -> None."""
    match = _DAY_NAME.search(name)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def parse(stream: BinaryIO, name: str) -> Iterator[Item]:
    """Yield ``("<name>:<line>", PaperRecord | ParseError)`` for every non-blank line."""
    announced_on = announce_day_from_name(name)
    loads = json.loads
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        position = f"{name}:{number}"
        try:
            obj = loads(line)
        except ValueError as exc:
            yield position, ParseError(f"invalid JSON: {exc}")
            continue
        try:
            yield position, record_from_object(obj, announced_on=announced_on)
        except ValueError as exc:
            yield position, ParseError(str(exc))
