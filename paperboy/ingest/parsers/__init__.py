"""One parser per source format; :data:`PARSERS` maps the ``ingest`` command's format names to them."""

from __future__ import annotations

from importlib import import_module

from paperboy.ingest.parsers.base import Parser

__all__ = ["FORMATS", "get_parser"]

#: Format name -> module under paperboy.ingest.parsers.
FORMATS = {
    "hf": "hf",
    "atom": "atom",
    "oai": "oai",
    "feed": "feeds",
    "jsonl": "jsonl",
    "listing": "listing",
}


def get_parser(source_format: str) -> Parser:
    """The ``parse(stream, name)`` function of a format. Raises KeyError for an unknown format."""
    module = import_module(f"paperboy.ingest.parsers.{FORMATS[source_format]}")
    parse: Parser = module.parse
    return parse
