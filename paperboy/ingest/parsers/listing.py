"""arXiv's legacy listing files (arxiv-browse ``ftp/<archive>/listings/*``): monthly, ``new`` and ``pastweek``.

Entries are separated by ``\\\\`` lines and rules (``-----``, ``%-%-``); an entry starts with
``Paper: <id>``, ``arXiv:<id>``, ``Paper (*cross-listing*): <id>`` or ``arXiv:<id> (*cross-listing*)``,
then ``Key: value`` header lines (continuations indented), ``\\\\``, an optional abstract, ``\\\\``.
The first ``Date:`` line is the submission date of v1 (``published_at``); ``Date (revised vN):`` and
``replaced with revised version <date>`` give later versions.

Announce days: a daily ``new`` file's mail header (``Date: Fri,  3 Mar 23 01:29:12 GMT``, sent after
the 20:00 US-Eastern announcement) dates its new and cross-listed entries with arXiv's listing label
(the US-Eastern date 4 hours later: Fri 3 Mar); a ``pastweek`` file's ``/* Fri, 3 Mar 2023 */``
markers date the entries below them. Replacements get no announce day; monthly files give none.
Positions are ``<name>:<line>`` of the entry's first line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import BinaryIO

from paperboy.ingest.parsers.base import (
    ARXIV_TZ,
    Item,
    ParseError,
    parse_datetime,
    require_id,
    split_categories,
)
from paperboy.lib.text import split_authors
from paperboy.papers.services import PaperRecord

__all__ = ["parse"]

_START = re.compile(
    r"^(?:Paper(?P<cross1> \(\*cross-listing\*\))?:\s*(?P<id1>\S+)|arXiv:(?P<id2>\S+)(?P<cross2> \(\*cross-listing\*\))?)\s*$"
)
_FIELD = re.compile(r"^(?P<key>[A-Za-z][A-Za-z -]*(?: \(revised(?: v\d+)?\))?):\s?(?P<value>.*)$")
_RULE = re.compile(r"^(?:-{5,}|%[-%]{5,}|%{3}-{3}.*)\s*$")
_MAIL_DATE = re.compile(r"^Date:\s*(?P<date>.+?)\s*$")
_DAY_MARK = re.compile(r"^/\*\s*(?P<day>\w{3}, \d{1,2} \w{3} \d{4})\s*\*/\s*$")
_REPLACED = re.compile(r"^replaced with revised version\s+(?P<date>.+?)\s*(?:\(\d+kb.*\))?\s*$")
_SIZE = re.compile(r"\s*\(\d+kb[^)]*\)\s*$")


def _listing_label(sent: dt.datetime) -> dt.date:
    """The day arXiv labels an announcement with: US-Eastern date of the mailing time + 4 h."""
    return (sent.astimezone(ARXIV_TZ) + dt.timedelta(hours=4)).date()


def _entry_record(
    entry_id: str, fields: dict[str, str], abstract: str, dates: list[tuple[int, dt.datetime | None]]
) -> PaperRecord:
    ident = require_id(entry_id)
    title = fields.get("Title", "").strip()
    if not title:
        raise ValueError("missing Title")
    versions = sorted(dates, key=lambda d: d[0])
    return PaperRecord(
        arxiv_id=ident.arxiv_id,
        version=versions[-1][0] if len(versions) > 1 else ident.version,
        title=title,
        abstract=abstract.strip(),
        authors=split_authors(fields.get("Authors", "")),
        categories=split_categories(fields.get("Categories", "")),
        comments=fields.get("Comments", "").strip(),
        journal_ref=fields.get("Journal-ref", "").strip(),
        doi=fields.get("DOI", "").split()[0] if fields.get("DOI", "").strip() else "",
        published_at=versions[0][1] if versions and versions[0][0] == 1 else None,
        updated_at=versions[-1][1] if versions else None,
    )


def parse(stream: BinaryIO, name: str) -> Iterator[Item]:
    lines = stream.read().decode("utf-8", errors="replace").splitlines()
    day: dt.date | None = None
    base = name.rsplit("/", 1)[-1]
    daily = base.startswith("new")
    i = 0
    n = len(lines)
    # Mail header of daily files.
    if daily:
        for line in lines[:5]:
            match = _MAIL_DATE.match(line)
            if match:
                try:
                    sent = parse_datetime(match.group("date"))
                except ValueError:
                    sent = None
                day = _listing_label(sent) if sent else None
                break
    while i < n:
        line = lines[i]
        mark = _DAY_MARK.match(line)
        if mark:
            try:
                day = dt.datetime.strptime(mark.group("day"), "%a, %d %b %Y").date()
            except ValueError:
                day = None
            i += 1
            continue
        start = _START.match(line)
        if not start:
            i += 1
            continue
        position = f"{name}:{i + 1}"
        entry_id = start.group("id1") or start.group("id2") or ""
        cross = bool(start.group("cross1") or start.group("cross2"))
        i += 1
        fields: dict[str, str] = {}
        dates: list[tuple[int, dt.datetime | None]] = []
        replaced = False
        last_key = ""
        problem = ""
        while i < n and not lines[i].startswith("\\\\") and not _RULE.match(lines[i]):
            text = lines[i]
            i += 1
            if not text.strip():
                continue
            if text[:1].isspace() and last_key:
                fields[last_key] += " " + text.strip()
                continue
            rep = _REPLACED.match(text)
            if rep:
                replaced = True
                try:
                    dates.append((len(dates) + 2, parse_datetime(_SIZE.sub("", rep.group("date")))))
                except ValueError:
                    problem = f"bad date {rep.group('date')!r}"
                continue
            field = _FIELD.match(text)
            if not field:
                problem = problem or f"unexpected line {text[:60]!r}"
                continue
            key, value = field.group("key"), field.group("value")
            if key.startswith("Date"):
                version = 1
                revised = re.search(r"revised(?: v(\d+))?", key)
                if revised:
                    version = int(revised.group(1)) if revised.group(1) else len(dates) + 1
                try:
                    dates.append((version, parse_datetime(_SIZE.sub("", value))))
                except ValueError:
                    problem = f"bad date {value!r}"
                last_key = ""
                continue
            fields[key] = value
            last_key = key
        # Abstract: after the closing "\\" of the header, up to the next "\\" line or rule.
        abstract_lines: list[str] = []
        if i < n and lines[i].strip() == "\\\\":
            i += 1
            while (
                i < n
                and not lines[i].startswith("\\\\")
                and not _RULE.match(lines[i])
                and not _START.match(lines[i])
            ):
                abstract_lines.append(lines[i])
                i += 1
        if problem:
            yield position, ParseError(problem)
            continue
        try:
            record = _entry_record(entry_id, fields, "\n".join(abstract_lines), dates)
        except ValueError as exc:
            yield position, ParseError(str(exc))
            continue
        if day is not None and not replaced:
            record.announced_on = day
        if cross and record.categories:
            record.primary_category = record.categories[0]
        yield position, record
