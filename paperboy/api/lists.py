"""The queries behind every list the API and the feeds serve: day, ISO week, month, trending,
a category, an author.

This module is the single place to point at the site's ranking functions (``paperboy.papers``)
once they exist; everything else in ``paperboy.api`` calls only :func:`parse_period` and
:func:`list_entries` / :func:`papers_in_category` / :func:`papers_by_author`.

Ranking used here:
- a day, week or month without ``sort``: most upvotes first (``Paper.upvote_count``), then the
  newest featured time; a paper featured on several days of a week or month appears once;
- ``sort="publishedAt"``: newest featured time (``FeaturedEntry.featured_at``) first;
- ``sort="trending"``: ``upvotes / (hours since featured + 2) ** 1.5`` (the Hacker News form),
  measured from now; without a period the candidates are the 7 days up to the newest featured day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from paperboy.papers.models import FeaturedEntry, Paper

SORTS = ("publishedAt", "trending")
TRENDING_WINDOW_DAYS = 7
TRENDING_GRAVITY = 1.5

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class InvalidParameter(ValueError):
    """A list parameter that cannot be used; the message says which and why (shown to API users)."""


@dataclass(frozen=True)
class Period:
    """Featured days ``start`` (inclusive) to ``end`` (exclusive); ``kind="all"`` has no bounds."""

    kind: Literal["all", "day", "week", "month"]
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def label(self) -> str:
        if self.start is None:
            return "all days"
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return self.start.strftime("%Y-%m")


def check_text(name: str, value: str | None) -> str | None:
    """``value`` unchanged, unless it holds characters no database accepts (NUL): then InvalidParameter."""
    if value is not None and "\x00" in value:
        raise InvalidParameter(f"{name} must not contain NUL characters")
    return value


def parse_day(value: str) -> Period:
    """``YYYY-MM-DD`` -> that featured day."""
    if not _DAY_RE.match(value):
        raise InvalidParameter(f"date must look like 2025-04-16, got {value!r}")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidParameter(f"date {value!r} is not a calendar day") from exc
    return Period("day", day, day + dt.timedelta(days=1))


def parse_week(value: str) -> Period:
    """ISO week ``YYYY-Www`` (``2025-W16``) -> Monday to Sunday of that week."""
    match = _WEEK_RE.match(value)
    if not match:
        raise InvalidParameter(f"week must look like 2025-W16 (ISO week), got {value!r}")
    year, week = int(match[1]), int(match[2])
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise InvalidParameter(f"week {value!r} does not exist: ISO year {year} has no week {week}") from exc
    return Period("week", monday, monday + dt.timedelta(days=7))


def parse_month(value: str) -> Period:
    """``YYYY-MM`` -> the first to the last day of that month."""
    match = _MONTH_RE.match(value)
    if not match:
        raise InvalidParameter(f"month must look like 2025-04, got {value!r}")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 1:
        raise InvalidParameter(f"month {value!r} does not exist")
    first = dt.date(year, month, 1)
    following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return Period("month", first, following)


def parse_period(*, date: str | None = None, week: str | None = None, month: str | None = None) -> Period:
    """At most one of ``date``, ``week``, ``month`` -> the period; none -> all featured days.

    Raises:
        InvalidParameter: more than one given, or a value that is malformed or not a real day/week/month.
    """
    given = {name: value for name, value in (("date", date), ("week", week), ("month", month)) if value}
    if len(given) > 1:
        raise InvalidParameter(f"give at most one of date, week and month (got {', '.join(given)})")
    if date:
        return parse_day(date)
    if week:
        return parse_week(week)
    if month:
        return parse_month(month)
    return Period("all")


def latest_featured_day() -> dt.date | None:
    """The newest day that has a featured entry, or None when the list is empty."""
    return FeaturedEntry.objects.aggregate(day=Max("featured_on"))["day"]


def _entries(period: Period, submitter: str | None) -> QuerySet[FeaturedEntry]:
    qs = FeaturedEntry.objects.select_related("paper", "submitted_by")
    if period.start is not None and period.end is not None:
        qs = qs.filter(featured_on__gte=period.start, featured_on__lt=period.end)
    if submitter:
        qs = qs.filter(Q(submitter_name__iexact=submitter) | Q(submitted_by__username__iexact=submitter))
    return qs


def featured_time(entry: FeaturedEntry) -> dt.datetime:
    """When the entry was featured: ``featured_at``, else midnight UTC of ``featured_on``."""
    if entry.featured_at is not None:
        return entry.featured_at
    return dt.datetime.combine(entry.featured_on, dt.time(), tzinfo=dt.UTC)


def trending_score(entry: FeaturedEntry, now: dt.datetime) -> float:
    """``upvotes / (hours since featured + 2) ** 1.5``; never negative hours."""
    hours = max((now - featured_time(entry)).total_seconds() / 3600.0, 0.0)
    return entry.paper.upvote_count / (hours + 2.0) ** TRENDING_GRAVITY


def _newest_first_key(entry: FeaturedEntry) -> tuple[dt.datetime, int]:
    return (featured_time(entry), entry.pk)


def _once_per_paper(entries: Sequence[FeaturedEntry]) -> list[FeaturedEntry]:
    seen: set[int] = set()
    unique = []
    for entry in entries:
        if entry.paper_id not in seen:
            seen.add(entry.paper_id)
            unique.append(entry)
    return unique


def list_entries(
    period: Period,
    *,
    sort: str | None = None,
    submitter: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[FeaturedEntry]:
    """One page of the featured list of ``period`` (see the module docstring for the ranking).

    Args:
        period: from :func:`parse_period`.
        sort: None (upvotes for a period, newest for all days), ``"publishedAt"`` or ``"trending"``.
        submitter: only entries submitted by this handle (imported name or local username), any case.
        offset, limit: the page (``offset`` entries skipped, at most ``limit`` returned).

    Raises:
        InvalidParameter: unknown ``sort``.
    """
    if sort is not None and sort not in SORTS:
        raise InvalidParameter(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
    qs = _entries(period, check_text("submitter", submitter))
    if period.kind == "all" and sort != "trending":
        ordered = qs.order_by("-featured_on", F("featured_at").desc(nulls_last=True), "-id")
        return list(ordered[offset : offset + limit])
    if period.kind == "all":
        newest = latest_featured_day()
        if newest is None:
            return []
        qs = qs.filter(featured_on__gt=newest - dt.timedelta(days=TRENDING_WINDOW_DAYS))
    entries = sorted(qs, key=_newest_first_key, reverse=True)
    if sort == "trending":
        now = timezone.now()
        entries = sorted(entries, key=lambda e: trending_score(e, now), reverse=True)
    elif sort is None:
        entries = sorted(entries, key=lambda e: e.paper.upvote_count, reverse=True)
    return _once_per_paper(entries)[offset : offset + limit]


def _json_list_contains(field: str, value: str) -> Q:
    """Rows whose JSON list ``field`` may contain the string ``value`` (checked exactly by the caller).

    JSON text differs by backend (SQLite stores ``\\u00fc`` escapes, PostgreSQL ``ü``), so both
    spellings are tried.
    """
    escaped = json.dumps(value)
    plain = json.dumps(value, ensure_ascii=False)
    return Q(**{f"{field}__icontains": escaped}) | Q(**{f"{field}__icontains": plain})


def papers_in_category(category: str, *, limit: int = 50) -> list[Paper]:
    """Newest papers (by arXiv v1 date) whose primary or cross-listed categories include ``category``."""
    qs = Paper.objects.filter(Q(primary_category=category) | _json_list_contains("categories", category))
    qs = qs.order_by(F("published_at").desc(nulls_last=True), "-arxiv_id")
    return [p for p in qs[: limit * 2] if category in p.categories or p.primary_category == category][:limit]


def papers_by_author(name: str, *, limit: int = 50) -> list[Paper]:
    """Newest papers with an author called exactly ``name`` (case-insensitive, Unicode form)."""
    wanted = name.strip().casefold()
    qs = Paper.objects.filter(_json_list_contains("authors", name.strip()))
    qs = qs.order_by(F("published_at").desc(nulls_last=True), "-arxiv_id")
    found = []
    for paper in qs.iterator():
        if any(author.casefold() == wanted for author in paper.authors):
            found.append(paper)
            if len(found) >= limit:
                break
    return found
