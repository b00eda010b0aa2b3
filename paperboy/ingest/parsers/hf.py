"""Hugging Face Daily Papers: the ``/api/daily_papers`` JSON and the archives in ../shared/data/hf-daily-papers-*.

Accepted documents:
- a JSON list of ``/api/daily_papers`` items (``item.publishedAt`` = featured time, ``paper.publishedAt`` =
  arXiv v1 date, ``paper.upvotes``, ``submittedBy.name``, ``githubRepo``, ``projectPage``, ``numComments``);
- the PaperExplorer dict keyed by arXiv id (``publication_date`` = arXiv v1 date; no featured day);
- hfbot JSON Lines (``date`` = featured day, ``paper_id``, ``github_url``, ``upvotes``), one object a line.

Positions are ``<name>#<n>`` (1-based index in the list), ``<name>#<arXiv id>`` for the dict, and
``<name>:<line>`` for JSON Lines.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import BinaryIO

from paperboy.ingest.parsers import jsonl
from paperboy.ingest.parsers.base import Item, ParseError, SourceError
from paperboy.ingest.parsers.records import paperexplorer_record, record_from_object

__all__ = ["parse"]


def parse(stream: BinaryIO, name: str) -> Iterator[Item]:
    data = stream.read()
    try:
        doc = json.loads(data)
    except ValueError as exc:
        if "Extra data" in str(exc):  # one object a line: hfbot
            yield from jsonl.parse(io.BytesIO(data), name)
            return
        raise SourceError(f"{name}: not JSON: {exc}") from exc
    if isinstance(doc, dict) and isinstance(doc.get("error"), str):
        raise SourceError(f"{name}: Hugging Face answered an error: {doc['error']}")
    if isinstance(doc, dict) and "paper" not in doc and "paper_id" not in doc and "title" not in doc:
        for key, value in doc.items():
            position = f"{name}#{key}"
            try:
                if not isinstance(value, dict):
                    raise ValueError(f"expected an object, got {type(value).__name__}")
                yield position, paperexplorer_record(key, value)
            except ValueError as exc:
                yield position, ParseError(str(exc))
        return
    items = doc if isinstance(doc, list) else [doc]
    for index, item in enumerate(items, start=1):
        position = f"{name}#{index}"
        try:
            yield position, record_from_object(item)
        except ValueError as exc:
            yield position, ParseError(str(exc))
