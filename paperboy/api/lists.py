"""The queries behind every list the API and the feeds serve: a day, ISO week or month of the daily
list, trending, a category, an author.

Ranking is the site's (:mod:`paperboy.papers.ranking`), so the JSON, the feeds and the pages agree:
- a day, week or month without ``sort``: :func:`ranking.featured_papers` (most upvotes first, then the
  newest v1 date, then arXiv id); each paper once, with its first featured entry in the period;
- ``sort="publishedAt"``: newest featured time (``FeaturedEntry.featured_at``) first, as HF does;
- ``sort="trending"``: :func:`ranking.trending` (the site's trending window up to now); within a period,
  the same :func:`ranking.trending_score` with the age counted from the paper's first featuring there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from paperboy.papers import ranking
from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.papers.ranking import Period

__all__ = [
    "SORTS",
    "InvalidParameter",
    "Period",
    "check_text",
    "featured_time",
    "latest_featured_day",
    "list_entries",
    "papers_by_author",
    "papers_in_category",
    "parse_day",
    "parse_month",
    "parse_period",
    "parse_week",
]

SORTS = ("publishedAt", "trending")
latest_featured_day = ranking.latest_featured_day


class InvalidParameter(ValueError):
    """A list parameter that cannot be used; the message says which and why (shown to API users)."""


def check_text(name: str, value: str | None) -> str | None:
    """``value`` unchanged, unless it holds characters no database accepts (NUL): then InvalidParameter."""
    if value is not None and "\x00" in value:
        raise InvalidParameter(f"{name} must not contain NUL characters")
    return value


def parse_day(value: str) -> Period:
    """``YYYY-MM-DD`` -> that featured day."""
    try:
        return ranking.day_period(ranking.parse_day(value))
    except ValueError as exc:
        if "not a YYYY-MM-DD" in str(exc):
            raise InvalidParameter(f"date must look like 2025-04-16, got {value!r}") from exc
        raise InvalidParameter(f"date {value!r} is not a calendar day") from exc


def parse_week(value: str) -> Period:
    """ISO week ``YYYY-Www`` (``2025-W16``) -> Monday to Sunday of that week."""
    try:
        return ranking.week_period(*ranking.parse_iso_week(value))
    except ValueError as exc:
        if "not a YYYY-Www" in str(exc):
            raise InvalidParameter(f"week must look like 2025-W16 (ISO week), got {value!r}") from exc
        year, week = value.split("-W")
        raise InvalidParameter(
            f"week {value!r} does not exist: ISO year {year} has no week {int(week)}"
        ) from exc


def parse_month(value: str) -> Period:
    """``YYYY-MM`` -> the first to the last day of that month."""
    try:
        return ranking.month_period(*ranking.parse_month(value))
    except ValueError as exc:
        if "not a YYYY-MM" in str(exc):
            raise InvalidParameter(f"month must look like 2025-04, got {value!r}") from exc
        raise InvalidParameter(f"month {value!r} does not exist") from exc


def parse_period(
    *, date: str | None = None, week: str | None = None, month: str | None = None
) -> Period | None:
    """At most one of ``date``, ``week``, ``month`` -> the period; none -> None (every featured day).

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
    return None


def featured_time(entry: FeaturedEntry) -> dt.datetime:
    """When the entry was featured: ``featured_at``, else 00:00 UTC of ``featured_on``."""
    if entry.featured_at is not None:
        return entry.featured_at
    return dt.datetime.combine(entry.featured_on, dt.time(), tzinfo=dt.UTC)


def _entries(period: Period | None, submitter: str | None) -> QuerySet[FeaturedEntry]:
    qs = FeaturedEntry.objects.select_related("paper", "submitted_by")
    if period is not None:
        qs = qs.filter(featured_on__range=(period.start, period.end))
    if submitter:
        qs = qs.filter(Q(submitter_name__iexact=submitter) | Q(submitted_by__username__iexact=submitter))
    return qs


def _first_entries(entries: Iterable[FeaturedEntry]) -> dict[int, FeaturedEntry]:
    """Paper pk -> its earliest featured entry among ``entries``."""
    first: dict[int, FeaturedEntry] = {}
    for entry in entries:
        known = first.get(entry.paper_id)
        if known is None or featured_time(entry) < featured_time(known):
            first[entry.paper_id] = entry
    return first


def list_entries(
    period: Period | None,
    *,
    sort: str | None = None,
    submitter: str | None = None,
    offset: int = 0,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> list[FeaturedEntry]:
    """One page of the featured list of ``period`` (None: every day), ranked as the module docstring says.

    Args:
        period: from :func:`parse_period`.
        sort: None (site ranking for a period, newest for all days), ``"publishedAt"`` or ``"trending"``.
        submitter: only entries submitted by this handle (imported name or local username), any case.
        offset, limit: the page (``offset`` items skipped, at most ``limit`` returned).
        now: the time trending ages are measured to (default: now).

    Raises:
        InvalidParameter: unknown ``sort`` or a NUL in ``submitter``.
    """
    if sort is not None and sort not in SORTS:
        raise InvalidParameter(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
    submitter = check_text("submitter", submitter)
    qs = _entries(period, submitter)
    if sort == "trending":
        now = now or timezone.now()
        if period is None:
            candidates, _ = ranking.trending_or_latest(now=now, limit=10_000)
            first = _first_entries(qs.filter(paper_id__in=[t.paper.pk for t in candidates]))
            ordered = [first[t.paper.pk] for t in candidates if t.paper.pk in first]
        else:
            first = _first_entries(qs)

            def score(entry: FeaturedEntry) -> tuple[float, int]:
                age_hours = (now - featured_time(entry)).total_seconds() / 3600
                return (ranking.trending_score(entry.paper.upvote_count, age_hours), entry.paper.upvote_count)

            ordered = sorted(first.values(), key=score, reverse=True)
        return ordered[offset : offset + limit]
    if sort == "publishedAt" or period is None:
        newest = qs.order_by("-featured_on", F("featured_at").desc(nulls_last=True), "-id")
        if period is None:  # every day: a paper featured on two days is two entries, as on HF
            return list(newest[offset : offset + limit])
        first = _first_entries(qs)
        ordered = sorted(first.values(), key=lambda e: (featured_time(e), e.pk), reverse=True)
        return ordered[offset : offset + limit]
    papers = ranking.featured_papers(period)
    if submitter:
        papers = papers.filter(pk__in=qs.values("paper_id"))
    page = list(papers[offset : offset + limit])
    first = _first_entries(qs.filter(paper_id__in=[p.pk for p in page]))
    return [first[p.pk] for p in page if p.pk in first]


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
