"""Lists of papers for the pages: a day, an ISO week or a month of the daily list, and trending.

Every list is built from :class:`~paperboy.papers.models.FeaturedEntry` rows (the day a paper was put
on the daily list), never from arXiv dates (../shared/DOMAIN.md, "Dates").

Ranking of a day, week or month: ``upvote_count`` descending, then ``published_at`` (v1) descending,
then ``arxiv_id`` (so equal papers keep a stable order across pages).

Trending (Hacker-News-style gravity)::

    score = upvotes / (age_hours + TRENDING_OFFSET_HOURS) ** TRENDING_GRAVITY

over the papers featured in the last ``TRENDING_WINDOW_DAYS`` days. ``age_hours`` counts from the
paper's earliest featuring inside that window (``featured_at``, or 00:00 UTC of ``featured_on``
when the time is unknown) to now. A newer paper beats an older one with the same votes; an older
paper needs more votes to stay ahead. Ties on score fall back to the day ranking above.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from django.db.models import F, Min, QuerySet
from django.utils import timezone

from paperboy.papers.models import FeaturedEntry, Paper

__all__ = [
    "TRENDING_GRAVITY",
    "TRENDING_OFFSET_HOURS",
    "TRENDING_WINDOW_DAYS",
    "Period",
    "TrendingPaper",
    "day_period",
    "featured_papers",
    "latest_day_in",
    "latest_featured_day",
    "month_period",
    "neighbour_days",
    "parse_day",
    "parse_iso_week",
    "parse_month",
    "trending",
    "trending_or_latest",
    "trending_score",
    "week_period",
]

TRENDING_GRAVITY: Final[float] = 1.8
TRENDING_OFFSET_HOURS: Final[float] = 2.0  # hours added to the age, so a brand-new paper is not divided by ~0
TRENDING_WINDOW_DAYS: Final[int] = 7  # featured within this many days (inclusive of today, UTC)

_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A span of featured days, both ends inclusive.

    ``kind`` is ``"day"``, ``"week"`` (ISO week, Monday to Sunday) or ``"month"``; ``slug`` is the
    URL form (``2026-02-03``, ``2026-W06``, ``2026-02``).
    """

    kind: str
    start: dt.date
    end: dt.date
    slug: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def title(self) -> str:
        """Heading: ``"Tuesday, February 3, 2026"``, ``"Week 6, 2026"`` or ``"February 2026"``."""
        if self.kind == "day":
            return f"{self.start:%A, %B} {self.start.day}, {self.start.year}"
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"Week {iso.week}, {iso.year}"
        return f"{self.start:%B %Y}"

    @property
    def range_label(self) -> str:
        """``"Mon, Dec 29, 2025 – Sun, Jan 4, 2026"`` for weeks and months; "" for a day."""
        if self.kind == "day":
            return ""
        return f"{self.start:%a, %b} {self.start.day}, {self.start.year} – {self.end:%a, %b} {self.end.day}, {self.end.year}"


def parse_day(text: str) -> dt.date:
    """``"2026-02-03"`` -> date(2026, 2, 3). Raises ValueError on any other shape or an impossible date."""
    match = _DAY_RE.match(text)
    if match is None:
        raise ValueError(f"not a YYYY-MM-DD day: {text!r}")
    year, month, day = (int(g) for g in match.groups())
    return dt.date(year, month, day)


def parse_iso_week(text: str) -> tuple[int, int]:
    """``"2026-W06"`` -> (2026, 6). Raises ValueError for a week the ISO year does not have (W00, W54,
    W53 of a 52-week year)."""
    match = _WEEK_RE.match(text)
    if match is None:
        raise ValueError(f"not a YYYY-Www ISO week: {text!r}")
    year, week = int(match.group(1)), int(match.group(2))
    dt.date.fromisocalendar(year, week, 1)  # raises ValueError for impossible weeks
    return year, week


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-02"`` -> (2026, 2). Raises ValueError on any other shape or month 00/13+."""
    match = _MONTH_RE.match(text)
    if match is None:
        raise ValueError(f"not a YYYY-MM month: {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and year >= 1):
        raise ValueError(f"no such month: {text!r}")
    return year, month


def day_period(day: dt.date) -> Period:
    return Period("day", day, day, day.isoformat())


def week_period(year: int, week: int) -> Period:
    """The ISO week: Monday to Sunday. 2026-W01 runs from Mon 2025-12-29 to Sun 2026-01-04."""
    start = dt.date.fromisocalendar(year, week, 1)
    return Period("week", start, start + dt.timedelta(days=6), f"{year:04d}-W{week:02d}")


def week_of(day: dt.date) -> Period:
    """The ISO week holding ``day`` (2025-12-29 lies in 2026-W01)."""
    iso = day.isocalendar()
    return week_period(iso.year, iso.week)


def month_period(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return Period("month", start, following - dt.timedelta(days=1), f"{year:04d}-{month:02d}")


def month_of(day: dt.date) -> Period:
    return month_period(day.year, day.month)


def latest_featured_day() -> dt.date | None:
    """The newest day with at least one featured entry, or None when the daily list is empty."""
    return FeaturedEntry.objects.order_by("-featured_on").values_list("featured_on", flat=True).first()


def featured_papers(period: Period) -> QuerySet[Paper]:
    """Papers featured on any day of ``period``, each once, ranked for the list pages.

    Returns:
        Paper queryset annotated with ``featured_day`` (the earliest featured day inside the period),
        ordered by upvote_count desc, published_at desc (nulls last), arxiv_id.
    """
    return (
        Paper.objects.filter(featured_entries__featured_on__range=(period.start, period.end))
        .annotate(featured_day=Min("featured_entries__featured_on"))
        .order_by("-upvote_count", F("published_at").desc(nulls_last=True), "arxiv_id")
    )


def latest_day_in(period: Period) -> dt.date | None:
    """The newest featured day inside ``period``, or None when the period is empty."""
    return (
        FeaturedEntry.objects.filter(featured_on__range=(period.start, period.end))
        .order_by("-featured_on")
        .values_list("featured_on", flat=True)
        .first()
    )


def neighbour_days(period: Period) -> tuple[dt.date | None, dt.date | None]:
    """The nearest featured day before ``period.start`` and after ``period.end`` (None when there is none).

    Day pages link these directly; week and month pages link the week or month that holds them, so
    "previous" never leads to an empty page.
    """
    days = FeaturedEntry.objects.values_list("featured_on", flat=True)
    before = days.filter(featured_on__lt=period.start).order_by("-featured_on").first()
    after = days.filter(featured_on__gt=period.end).order_by("featured_on").first()
    return before, after


@dataclass(frozen=True)
class TrendingPaper:
    """One trending paper: its score (upvotes per gravity-weighted hour) and the age it was scored with."""

    paper: Paper
    score: float
    age_hours: float
    featured_at: dt.datetime


def trending_score(
    upvotes: int,
    age_hours: float,
    *,
    gravity: float = TRENDING_GRAVITY,
    offset_hours: float = TRENDING_OFFSET_HOURS,
) -> float:
    """``max(upvotes, 0) / (max(age_hours, 0) + offset_hours) ** gravity``.

    Example: 10 upvotes at 10 h -> 10 / 12**1.8 = 0.1142; 30 upvotes at 48 h -> 30 / 50**1.8 = 0.0262.
    """
    return max(upvotes, 0) / (max(age_hours, 0.0) + offset_hours) ** gravity


def trending(
    *, now: dt.datetime | None = None, window_days: int = TRENDING_WINDOW_DAYS, limit: int = 50
) -> list[TrendingPaper]:
    """The trending papers, best first (see the module docstring for the formula).

    Args:
        now: aware datetime the ages are measured to (default: the current time).
        window_days: papers featured on ``today - (window_days - 1)`` .. today (UTC) take part.
        limit: at most this many papers.
    Returns:
        TrendingPaper list ordered by score desc, then upvote_count desc, published_at desc, arxiv_id.
    """
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    first_day = today - dt.timedelta(days=window_days - 1)
    entries = (
        FeaturedEntry.objects.filter(featured_on__range=(first_day, today))
        .values_list("paper_id", "featured_on", "featured_at")
        .order_by()
    )
    first_seen: dict[int, dt.datetime] = {}
    for paper_id, featured_on, featured_at in entries:
        at = featured_at or dt.datetime.combine(featured_on, dt.time(), tzinfo=dt.UTC)
        if paper_id not in first_seen or at < first_seen[paper_id]:
            first_seen[paper_id] = at
    papers = Paper.objects.in_bulk(list(first_seen))
    scored = []
    for paper_id, at in first_seen.items():
        paper = papers[paper_id]
        age_hours = (now - at).total_seconds() / 3600
        scored.append(TrendingPaper(paper, trending_score(paper.upvote_count, age_hours), age_hours, at))
    _min = dt.datetime.min.replace(tzinfo=dt.UTC)
    scored.sort(key=lambda t: t.paper.arxiv_id)
    scored.sort(key=lambda t: t.paper.published_at or _min, reverse=True)
    scored.sort(key=lambda t: (t.score, t.paper.upvote_count), reverse=True)
    return scored[:limit]


def trending_or_latest(
    *, now: dt.datetime | None = None, limit: int = 50
) -> tuple[list[TrendingPaper], dt.date | None]:
    """:func:`trending`, or, when nothing was featured in the window (an instance whose ingest stopped,
    the demo corpus), the trending list as of the end of the latest featured day.

    Returns:
        (papers best first, None) or (papers, the latest featured day they are ranked as of).
    """
    items = trending(now=now, limit=limit)
    if items:
        return items, None
    latest = latest_featured_day()
    if latest is None:
        return [], None
    end_of_day = dt.datetime.combine(latest, dt.time(23, 59, 59), tzinfo=dt.UTC)
    return trending(now=end_of_day, limit=limit), latest
