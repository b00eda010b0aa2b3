"""Turn one JSON object (any of the JSON shapes we import) into a :class:`PaperRecord`.

Shapes recognised (by their keys):
- HF ``/api/daily_papers`` item: ``{"paper": {...}, "publishedAt", "submittedBy", ...}``;
- HF paper object (``/api/papers/<id>``): read as an arXiv record (``summary``, ``authors[{name}]``, ``publishedAt``);
- hfbot per-paper record: ``{"date", "paper_id", "title", "authors", "abstract", "github_url", "upvotes"}``;
- arXiv metadata records (Kaggle arxiv-metadata-oai-snapshot, dwdengwei daily files, our demo JSONL):
  ``id``/``arxiv_id``, ``title``, ``abstract``/``summary``, ``authors`` (list or ``"A, B and C"``),
  ``categories`` (list or space-separated), ``comments``/``comment``, ``journal-ref``, ``doi``,
  ``versions[{version, created}]``, and optional ``version``, ``published``, ``updated``,
  ``announced_on``, ``featured_on``, ``featured_at``, ``upvotes``, ``code_url``, ``project_url``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from paperboy.ingest.parsers.base import parse_date, parse_datetime, require_id, split_categories
from paperboy.lib.text import split_authors
from paperboy.papers.services import PaperRecord

__all__ = [
    "arxiv_json_record",
    "hf_item_record",
    "hfbot_record",
    "paperexplorer_record",
    "record_from_object",
]


def _text(value: object, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise ValueError(f"{field} must be text, not {type(value).__name__}")


def _authors(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_authors(value)
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            if isinstance(item, str):
                name = item
            elif isinstance(item, dict):
                name = item.get("name") or " ".join(
                    p for p in (item.get("forenames") or "", item.get("keyname") or "") if p
                )
            elif isinstance(item, list):  # Kaggle authors_parsed: [keyname, forenames, suffix]
                name = " ".join(p for p in (item[1:2] + item[:1] + item[2:3]) if p)
            else:
                raise ValueError(f"author must be a name or an object, not {type(item).__name__}")
            if name and name.strip():
                names.append(name.strip())
        return names
    raise ValueError(f"authors must be a list or a string, not {type(value).__name__}")


def _upvotes(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"upvotes must be a number, not {value!r}")
    try:
        return max(int(value), 0)
    except ValueError as exc:
        raise ValueError(f"upvotes must be a number, not {value!r}") from exc


def _title(obj: dict[str, Any]) -> str:
    title = _text(obj.get("title"), "title").strip()
    if not title:
        raise ValueError("missing title")
    return title


def _versions(value: object) -> tuple[int | None, dt.datetime | None, dt.datetime | None]:
    """``versions[{version: "v1", created: RFC 822}]`` -> (latest version, v1 date, latest date)."""
    if not value:
        return None, None, None
    if not isinstance(value, list):
        raise ValueError("versions must be a list")
    parsed: list[tuple[int, dt.datetime | None]] = []
    for item in value:
        if isinstance(item, dict):
            label = str(item.get("version") or "").strip().lstrip("v")
            if not label.isdigit():
                raise ValueError(f"bad version label {item.get('version')!r}")
            parsed.append((int(label), parse_datetime(item.get("created"))))
        elif isinstance(item, str) and item.strip().lstrip("v").isdigit():
            parsed.append((int(item.strip().lstrip("v")), None))
        else:
            raise ValueError(f"bad version entry {item!r}")
    parsed.sort(key=lambda p: p[0])
    return parsed[-1][0], parsed[0][1], parsed[-1][1]


def arxiv_json_record(obj: dict[str, Any], *, announced_on: dt.date | None = None) -> PaperRecord:
    """An arXiv metadata object (Kaggle snapshot, dwdengwei, demo JSONL) -> PaperRecord. Raises ValueError."""
    ident = require_id(obj.get("id") or obj.get("arxiv_id") or obj.get("paper_id"))
    version, published, updated = _versions(obj.get("versions"))
    if obj.get("version") not in (None, ""):
        label = str(obj["version"]).lstrip("v")
        if not label.isdigit():
            raise ValueError(f"bad version {obj['version']!r}")
        version = int(label)
    version = version or ident.version
    published = (
        parse_datetime(obj.get("published") or obj.get("published_at") or obj.get("publishedAt")) or published
    )
    updated = parse_datetime(obj.get("updated") or obj.get("updated_at")) or updated
    abstract = obj.get("abstract")
    if abstract is None:
        abstract = obj.get("summary")
    return PaperRecord(
        arxiv_id=ident.arxiv_id,
        version=version,
        title=_title(obj),
        abstract=_text(abstract, "abstract"),
        authors=_authors(obj["authors"] if obj.get("authors") is not None else obj.get("authors_parsed")),
        categories=split_categories(obj.get("categories")),
        primary_category=_text(obj.get("primary_category"), "primary_category").strip(),
        comments=_text(
            obj.get("comments") if obj.get("comments") is not None else obj.get("comment"), "comments"
        ),
        journal_ref=_text(obj.get("journal-ref") or obj.get("journal_ref"), "journal-ref"),
        doi=_text(obj.get("doi"), "doi"),
        published_at=published,
        updated_at=updated or published,
        announced_on=parse_date(obj.get("announced_on")) or announced_on,
        code_url=_text(obj.get("code_url") or obj.get("github_url") or obj.get("githubRepo"), "code_url"),
        project_url=_text(obj.get("project_url") or obj.get("projectPage"), "project_url"),
        upvotes=_upvotes(obj.get("upvotes")),
        withdrawn=bool(obj.get("withdrawn", False)),
        featured_on=parse_date(obj.get("featured_on")),
        featured_at=parse_datetime(obj.get("featured_at")),
        submitter_name=_text(obj.get("submitter_name"), "submitter_name"),
    )


def hf_item_record(item: dict[str, Any]) -> PaperRecord:
    """An HF ``/api/daily_papers`` item -> PaperRecord.

    ``item.publishedAt`` is the featured time (featured day = its UTC date); ``paper.publishedAt`` is
    the arXiv v1 date; ``paper.upvotes`` is the upvote snapshot; ``submittedBy.name`` the submitter.
    """
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise ValueError("item has no paper object")
    ident = require_id(paper.get("id"))
    featured_at = parse_datetime(item.get("publishedAt"))
    submitter = item.get("submittedBy") or paper.get("submittedOnDailyBy") or {}
    title = _text(paper.get("title") or item.get("title"), "title").strip()
    if not title:
        raise ValueError("missing title")
    return PaperRecord(
        arxiv_id=ident.arxiv_id,
        version=ident.version,
        title=title,
        abstract=_text(
            paper.get("summary") if paper.get("summary") is not None else item.get("summary"), "summary"
        ),
        authors=_authors(
            [a for a in paper.get("authors") or [] if not (isinstance(a, dict) and a.get("hidden"))]
        ),
        published_at=parse_datetime(paper.get("publishedAt")),
        code_url=_text(item.get("githubRepo") or paper.get("githubRepo"), "githubRepo"),
        project_url=_text(item.get("projectPage") or paper.get("projectPage"), "projectPage"),
        upvotes=_upvotes(paper.get("upvotes")),
        featured_on=featured_at.date() if featured_at else None,
        featured_at=featured_at,
        submitter_name=_text(
            submitter.get("name") if isinstance(submitter, dict) else "", "submittedBy.name"
        ),
    )


def hfbot_record(obj: dict[str, Any]) -> PaperRecord:
    """An hfbot per-paper record: ``date`` = featured day, ``paper_id``, ``github_url``, ``upvotes``."""
    ident = require_id(obj.get("paper_id"))
    featured_on = parse_date(obj.get("date"))
    return PaperRecord(
        arxiv_id=ident.arxiv_id,
        version=ident.version,
        title=_title(obj),
        abstract=_text(obj.get("abstract"), "abstract"),
        authors=_authors(obj.get("authors")),
        code_url=_text(obj.get("github_url"), "github_url"),
        upvotes=_upvotes(obj.get("upvotes")),
        featured_on=featured_on,
    )


def paperexplorer_record(arxiv_id: str, obj: dict[str, Any]) -> PaperRecord:
    """A PaperExplorer value (keyed by arXiv id): ``publication_date`` is the arXiv v1 date, no featured day."""
    ident = require_id(arxiv_id or obj.get("url"))
    return PaperRecord(
        arxiv_id=ident.arxiv_id,
        version=ident.version,
        title=_title(obj),
        abstract=_text(obj.get("abstract"), "abstract"),
        authors=_authors(obj.get("authors")),
        published_at=parse_datetime(obj.get("publication_date")),
        upvotes=_upvotes(obj.get("upvotes")),
    )


def record_from_object(obj: object, *, announced_on: dt.date | None = None) -> PaperRecord:
    """Dispatch on the object's keys (see the module docstring). Raises ValueError when malformed."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    if isinstance(obj.get("paper"), dict):
        return hf_item_record(obj)
    if "paper_id" in obj and "date" in obj:
        return hfbot_record(obj)
    return arxiv_json_record(obj, announced_on=announced_on)
