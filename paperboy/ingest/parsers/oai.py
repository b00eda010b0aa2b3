"""arXiv OAI-PMH responses (``GetRecord`` / ``ListRecords``) in the ``arXiv`` and ``arXivRaw`` formats.

- ``arXiv`` (http://arxiv.org/OAI/arXiv/): ``id``, ``created`` (v1 date), ``updated`` (latest version
  date), ``authors/author`` (``keyname``, ``forenames``, ``suffix``), ``title``, ``categories``
  (space-separated, primary first), ``comments``, ``journal-ref``, ``doi``, ``abstract``. No version number.
- ``arXivRaw`` (http://arxiv.org/OAI/arXivRaw/): ``id``, ``submitter``, one ``<version version="vN">``
  with ``<date>`` (RFC 822) per version, ``title``, ``authors`` (one string), ``categories``, ``comments``,
  ``journal-ref``, ``doi``, ``abstract``: published = v1 date, updated = last date, version = highest N.
- ``header/@status="deleted"`` records are skipped silently; ``<error code="noRecordsMatch">`` is an
  empty answer; ``badResumptionToken`` raises :class:`BadResumptionToken`; other errors raise SourceError.
- ``<resumptionToken cursor= completeListSize=>`` and the latest ``datestamp`` are reported through
  :class:`OaiInfo` so a harvest can checkpoint.

Big files are read with ``lxml.etree.iterparse``. Positions are ``<name>#<n>`` (1-based record index).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from paperboy.ingest.parsers.base import (
    Item,
    ParseError,
    SourceError,
    parse_date,
    parse_datetime,
    require_id,
    split_categories,
)
from paperboy.lib.text import split_authors
from paperboy.papers.services import PaperRecord

__all__ = ["BadResumptionToken", "OaiInfo", "iter_oai", "parse"]

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"


class BadResumptionToken(SourceError):
    """The repository no longer knows the token (they expire daily): restart from the last datestamp."""


@dataclass
class OaiInfo:
    """What a response says besides its records."""

    resumption_token: str | None = None
    cursor: int | None = None
    complete_list_size: int | None = None
    last_datestamp: dt.date | None = None
    records: int = 0


def _t(element: etree._Element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()


def arxiv_record(meta: etree._Element, ARXIV: str = ARXIV) -> PaperRecord:
    """An ``<arXiv>`` metadata element -> PaperRecord. Raises ValueError.

    ``ARXIV`` is the ``{namespace}`` of its children (some hand-edited files leave it in the OAI one).
    """
    ident = require_id(_t(meta, f"{ARXIV}id"))
    authors = []
    for author in meta.iter(f"{ARXIV}author"):
        parts = [_t(author, f"{ARXIV}forenames"), _t(author, f"{ARXIV}keyname"), _t(author, f"{ARXIV}suffix")]
        name = " ".join(p for p in parts if p)
        if name:
            authors.append(name)
    title = _t(meta, f"{ARXIV}title")
    if not title:
        raise ValueError("missing title")
    published = parse_datetime(_t(meta, f"{ARXIV}created"))
    return PaperRecord(
        arxiv_id=ident.arxiv_id,
        version=ident.version,
        title=title,
        abstract=_t(meta, f"{ARXIV}abstract"),
        authors=authors,
        categories=split_categories(_t(meta, f"{ARXIV}categories")),
        comments=_t(meta, f"{ARXIV}comments"),
        journal_ref=_t(meta, f"{ARXIV}journal-ref"),
        doi=_t(meta, f"{ARXIV}doi").split()[0] if _t(meta, f"{ARXIV}doi") else "",
        published_at=published,
        updated_at=parse_datetime(_t(meta, f"{ARXIV}updated")) or published,
    )


def arxiv_raw_record(meta: etree._Element, RAW: str = RAW) -> PaperRecord:
    """An ``<arXivRaw>`` metadata element -> PaperRecord (versions from the history). Raises ValueError."""
    ident = require_id(_t(meta, f"{RAW}id"))
    versions: list[tuple[int, dt.datetime | None]] = []
    for element in meta.findall(f"{RAW}version"):
        label = (element.get("version") or "").strip().lstrip("v")
        if not label.isdigit():
            raise ValueError(f"bad version label {element.get('version')!r}")
        versions.append((int(label), parse_datetime(_t(element, f"{RAW}date"))))
    versions.sort(key=lambda v: v[0])
    title = _t(meta, f"{RAW}title")
    if not title:
        raise ValueError("missing title")
    comments = _t(meta, f"{RAW}comments")
    return PaperRecord(
        arxiv_id=ident.arxiv_id,
        version=versions[-1][0] if versions else ident.version,
        title=title,
        abstract=_t(meta, f"{RAW}abstract"),
        authors=split_authors(_t(meta, f"{RAW}authors")),
        categories=split_categories(_t(meta, f"{RAW}categories")),
        comments=comments,
        journal_ref=_t(meta, f"{RAW}journal-ref"),
        doi=_t(meta, f"{RAW}doi").split()[0] if _t(meta, f"{RAW}doi") else "",
        published_at=versions[0][1] if versions else None,
        updated_at=versions[-1][1] if versions else None,
        withdrawn=bool(versions) and "withdrawn" in comments.lower() and versions[-1][0] > 1,
        submitter_name="",
    )


def iter_oai(stream: BinaryIO, name: str, info: OaiInfo) -> Iterator[Item]:
    """Stream the records of one OAI-PMH response, filling ``info`` as it goes.

    Raises BadResumptionToken / SourceError for OAI-PMH errors; unreadable XML after some records
    yields one ParseError at the point where reading stopped.
    """
    index = 0
    tags = (f"{OAI}record", f"{OAI}error", f"{OAI}resumptionToken")
    try:
        for _, element in etree.iterparse(stream, events=("end",), tag=tags, huge_tree=True):
            if element.tag == f"{OAI}error":
                code = element.get("code", "")
                if code == "noRecordsMatch":
                    continue
                message = f"{name}: OAI-PMH error {code}: {(element.text or '').strip()}"
                if code == "badResumptionToken":
                    raise BadResumptionToken(message)
                raise SourceError(message)
            if element.tag == f"{OAI}resumptionToken":
                info.resumption_token = (element.text or "").strip() or None
                cursor, size = element.get("cursor"), element.get("completeListSize")
                info.cursor = int(cursor) if cursor and cursor.isdigit() else None
                info.complete_list_size = int(size) if size and size.isdigit() else None
                continue
            index += 1
            info.records += 1
            position = f"{name}#{index}"
            header = element.find(f"{OAI}header")
            if header is not None:
                try:
                    stamp = parse_date(_t(header, f"{OAI}datestamp"))
                except ValueError:
                    stamp = None
                if stamp and (info.last_datestamp is None or stamp > info.last_datestamp):
                    info.last_datestamp = stamp
            if header is not None and header.get("status") == "deleted":
                element.clear()
                continue  # (its parent is trimmed with the next record)
            try:
                meta = element.find(f"{OAI}metadata")
                if meta is None or len(meta) == 0:
                    raise ValueError("record has no metadata")
                body = meta[0]
                local = etree.QName(body).localname
                namespace = body.tag[: -len(local)]
                if local == "arXiv":
                    record = arxiv_record(body, namespace)
                elif local == "arXivRaw":
                    record = arxiv_raw_record(body, namespace)
                else:
                    raise ValueError(f"unsupported metadata format {body.tag}")
            except ValueError as exc:
                yield position, ParseError(str(exc))
            else:
                yield position, record
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:  # keep memory flat on big files
                del parent[0]
    except etree.XMLSyntaxError as exc:
        yield f"{name}#{index + 1}", ParseError(f"unreadable XML, stopped here: {exc}")


def parse(stream: BinaryIO, name: str) -> Iterator[Item]:
    yield from iter_oai(stream, name, OaiInfo())
