"""Model rows -> plain dicts in the shapes of :mod:`paperboy.api.schemas` (shared by the API and feeds)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from paperboy.api.lists import featured_time
from paperboy.papers.models import FeaturedEntry, Paper


def iso_ms(value: dt.datetime | dt.date | None) -> str | None:
    """ISO 8601 UTC with milliseconds and ``Z`` (``2024-10-25T00:57:09.392Z``); a date is its midnight."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _hex24(*parts: object) -> str:
    return hashlib.sha1(":".join(str(p) for p in parts).encode()).hexdigest()[:24]


def paper_url(paper: Paper) -> str:
    """Absolute URL of the paper's page on this site (also the stable feed id)."""
    return settings.SITE_URL + paper.get_absolute_url()


def paper_published(paper: Paper) -> dt.datetime | dt.date:
    """arXiv v1 time; falls back to the listing day, then the month of the arXiv id (Paper.best_date), then
    to when we first stored the paper."""
    return paper.best_date or paper.created_at


def comment_counts(paper_ids: Iterable[int]) -> dict[int, int]:
    """Number of visible comments per paper primary key (papers without comments are left out)."""
    ids = list(paper_ids)
    if not ids:
        return {}
    from django.db.models import Count

    from paperboy.comments.models import Comment

    rows = Comment.objects.filter(paper_id__in=ids, hidden=False).values("paper_id").annotate(n=Count("id"))
    return {row["paper_id"]: row["n"] for row in rows}


def paper_dict(paper: Paper) -> dict[str, Any]:
    """The ``paper`` object of an HF daily-papers item."""
    return {
        "id": paper.arxiv_id,
        "authors": [
            {"_id": _hex24(paper.arxiv_id, i, name), "name": name, "hidden": False}
            for i, name in enumerate(paper.authors)
        ],
        "publishedAt": iso_ms(paper_published(paper)),
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": paper.upvote_count,
        "discussionId": _hex24("discussion", paper.arxiv_id),
    }


def submitter_dict(entry: FeaturedEntry) -> dict[str, Any]:
    """``submittedBy`` of an item: the local user who featured it, else the imported handle."""
    user = entry.submitted_by
    if user is not None:
        name = user.get_username()
        fullname = user.get_full_name() or name
    else:
        name = entry.submitter_name or settings.SITE_NAME
        fullname = name
    return {
        "avatarUrl": "",
        "fullname": fullname,
        "name": name,
        "type": "user",
        "isPro": False,
        "isHf": False,
        "isMod": bool(user is not None and user.is_staff),
        "followerCount": 0,
    }


def daily_item(entry: FeaturedEntry, num_comments: int = 0) -> dict[str, Any]:
    """One HF-shaped ``/api/daily_papers`` item for a featured entry."""
    paper = entry.paper
    return {
        "paper": paper_dict(paper),
        "publishedAt": iso_ms(featured_time(entry)),
        "title": paper.title,
        "thumbnail": "",
        "numComments": num_comments,
        "submittedBy": submitter_dict(entry),
        "githubRepo": paper.code_url or None,
        "projectPage": paper.project_url or None,
    }


def daily_items(entries: list[FeaturedEntry]) -> list[dict[str, Any]]:
    counts = comment_counts(e.paper_id for e in entries)
    return [daily_item(e, counts.get(e.paper_id, 0)) for e in entries]


def paper_detail(paper: Paper) -> dict[str, Any]:
    """Everything paperboy keeps about a paper (``GET /api/papers/{id}``)."""
    days = sorted({d.isoformat() for d in paper.featured_entries.values_list("featured_on", flat=True)})
    return {
        **paper_dict(paper),
        "version": paper.version,
        "updatedAt": iso_ms(paper.updated_at),
        "announcedOn": paper.announced_on.isoformat() if paper.announced_on else None,
        "primaryCategory": paper.primary_category,
        "categories": list(paper.categories),
        "comments": paper.comments,
        "journalRef": paper.journal_ref,
        "doi": paper.doi,
        "withdrawn": paper.withdrawn,
        "arxivUrl": paper.abs_url,
        "pdfUrl": paper.pdf_url,
        "url": paper_url(paper),
        "githubRepo": paper.code_url or None,
        "projectPage": paper.project_url or None,
        "numComments": comment_counts([paper.pk]).get(paper.pk, 0),
        "featuredOn": days,
    }
