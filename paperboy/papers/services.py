"""Workflows on papers: the one place that writes Paper fields from imported records.

Ingest never sets Paper fields itself; every parser yields :class:`PaperRecord` and calls
:func:`upsert_paper`, so the versioning rules live here.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from paperboy.lib.text import clean_title, tex_to_unicode
from paperboy.papers.models import FeaturedEntry, Paper


@dataclass
class PaperRecord:
    """One paper as a source describes it, already parsed and validated.

    ``arxiv_id`` is canonical (see :func:`paperboy.lib.arxiv_ids.normalize_arxiv_id`); ``version`` is
    ``None`` when the source does not say. Datetimes are aware (UTC). ``authors`` are the names as the
    source gives them (TeX accents allowed); ``categories`` list the primary category first.
    ``upvotes`` is an imported snapshot count (HF); ``featured_on`` puts the paper on that day's list.
    """

    arxiv_id: str
    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    version: int | None = None
    categories: list[str] = field(default_factory=list)
    primary_category: str = ""
    comments: str = ""
    journal_ref: str = ""
    doi: str = ""
    published_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    announced_on: dt.date | None = None
    code_url: str = ""
    project_url: str = ""
    upvotes: int | None = None
    withdrawn: bool = False
    featured_on: dt.date | None = None
    featured_at: dt.datetime | None = None
    submitter_name: str = ""


class Outcome(enum.Enum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class UpsertResult:
    """What :func:`upsert_paper` did: the paper row, and whether a featured entry was created."""

    paper: Paper
    outcome: Outcome
    featured_created: bool = False


# Fields a newer version replaces, and fields any source may fill when they are still empty.
_VERSIONED_FIELDS = (
    "title",
    "abstract",
    "authors",
    "authors_raw",
    "comments",
    "journal_ref",
    "doi",
    "withdrawn",
)
_FILL_FIELDS = (
    "abstract",
    "comments",
    "journal_ref",
    "doi",
    "primary_category",
    "code_url",
    "project_url",
    "published_at",
    "updated_at",
)


def _values_from_record(record: PaperRecord) -> dict[str, object]:
    categories = list(dict.fromkeys(c for c in record.categories if c))
    primary = record.primary_category or (categories[0] if categories else "")
    if primary and primary not in categories:
        categories.insert(0, primary)
    return {
        "title": clean_title(record.title),
        "abstract": (record.abstract or "").strip(),
        "authors": [tex_to_unicode(a) for a in record.authors if a and a.strip()],
        "authors_raw": [a.strip() for a in record.authors if a and a.strip()],
        "primary_category": primary,
        "categories": categories,
        "comments": (record.comments or "").strip(),
        "journal_ref": (record.journal_ref or "").strip(),
        "doi": (record.doi or "").strip(),
        "published_at": record.published_at,
        "updated_at": record.updated_at,
        "code_url": record.code_url or "",
        "project_url": record.project_url or "",
        "withdrawn": record.withdrawn,
    }


def upsert_paper(record: PaperRecord, *, source: str) -> UpsertResult:
    """Insert or update one paper (and its featured entry) in one transaction.

    Rules (../shared/DOMAIN.md, "Versions"):
    - unknown paper: created;
    - a newer version than stored: title, abstract, authors (and comments, journal-ref, DOI) are
      replaced and ``version``/``updated_at`` advance;
    - same, older or unknown version: only empty fields are filled; nothing stored is overwritten;
    - categories are merged (primary stays first); ``announced_on`` keeps the earliest day;
    - imported upvotes keep the highest snapshot seen, and ``upvote_count`` moves by the difference.

    Re-importing the same record returns ``Outcome.UNCHANGED`` and writes nothing.

    Raises:
        django.db.DatabaseError: the write failed; the transaction is rolled back (no half paper).
    """
    values = _values_from_record(record)
    with transaction.atomic():
        paper = Paper.objects.select_for_update().filter(arxiv_id=record.arxiv_id).first()
        if paper is None:
            upvotes = max(record.upvotes or 0, 0)
            paper = Paper.objects.create(
                arxiv_id=record.arxiv_id,
                version=record.version or 1,
                announced_on=record.announced_on,
                imported_upvote_count=upvotes,
                upvote_count=upvotes,
                source=source,
                **values,
            )
            outcome = Outcome.NEW
        else:
            changed = _merge(paper, record, values)
            if changed:
                paper.save(update_fields=[*changed, "modified_at"])
                if "imported_upvote_count" in changed:
                    paper.refresh_from_db(fields=["upvote_count"])
            outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
        featured_created = False
        if record.featured_on is not None:
            _, featured_created = FeaturedEntry.objects.get_or_create(
                paper=paper,
                featured_on=record.featured_on,
                defaults={
                    "featured_at": record.featured_at,
                    "submitter_name": record.submitter_name[:150],
                    "source": source,
                },
            )
    return UpsertResult(paper=paper, outcome=outcome, featured_created=featured_created)


def _merge(paper: Paper, record: PaperRecord, values: dict[str, object]) -> list[str]:
    """Apply ``record`` to ``paper`` in memory; return the names of the fields that changed."""
    changed: list[str] = []

    def put(name: str, value: object) -> None:
        if getattr(paper, name) != value:
            setattr(paper, name, value)
            changed.append(name)

    if record.version is not None and record.version > paper.version:
        for name in _VERSIONED_FIELDS:
            put(name, values[name])
        put("version", record.version)
        if record.updated_at is not None:
            put("updated_at", record.updated_at)
    for name in _FILL_FIELDS:
        if not getattr(paper, name) and values[name]:
            put(name, values[name])
    if not paper.authors and values["authors"]:
        put("authors", values["authors"])
        put("authors_raw", values["authors_raw"])
    if not paper.title and values["title"]:
        put("title", values["title"])
    new_categories = values["categories"]
    assert isinstance(new_categories, list)
    merged = list(dict.fromkeys([*paper.categories, *new_categories]))
    if paper.primary_category and merged and merged[0] != paper.primary_category:
        merged.remove(paper.primary_category)
        merged.insert(0, paper.primary_category)
    put("categories", merged)
    if record.announced_on is not None and (
        paper.announced_on is None or record.announced_on < paper.announced_on
    ):
        put("announced_on", record.announced_on)
    if record.upvotes is not None and record.upvotes > paper.imported_upvote_count:
        delta = record.upvotes - paper.imported_upvote_count
        paper.imported_upvote_count = record.upvotes
        changed.append("imported_upvote_count")
        paper.upvote_count = F("upvote_count") + delta  # type: ignore[assignment]
        changed.append("upvote_count")
    return changed


def recount_upvotes(paper: Paper) -> int:
    """Set ``upvote_count`` to imported upvotes + local upvotes; return the new count."""
    count = paper.imported_upvote_count + paper.upvotes.count()
    Paper.objects.filter(pk=paper.pk).update(upvote_count=count)
    paper.upvote_count = count
    return count
