"""When the worker runs what: pure functions of the clock, tested across DST and weekends.

arXiv announces at 20:00 US-Eastern (America/New_York, daylight saving included) on Sunday,
Monday, Tuesday, Wednesday and Thursday evenings, and not on arXiv holidays (../shared/DOMAIN.md).
The live ingest slot is that time plus a delay, so the listing feeds have been refreshed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from zoneinfo import ZoneInfo

ARXIV_TZ = ZoneInfo("America/New_York")
#: Local hour (America/New_York) of arXiv's announcement.
ANNOUNCE_HOUR = 20
#: Weekdays (Monday=0) with an evening announcement: Sunday to Thursday.
ANNOUNCE_WEEKDAYS = frozenset({6, 0, 1, 2, 3})


def is_announcement_day(day: dt.date, *, holidays: Collection[dt.date] = ()) -> bool:
    """True when arXiv announces on the evening of ``day`` (a US-Eastern calendar date)."""
    return day.weekday() in ANNOUNCE_WEEKDAYS and day not in holidays


def ingest_slot_for(day: dt.date, *, delay_minutes: int = 30) -> dt.datetime:
    """The UTC time of the live-ingest slot on the evening of ``day``: 20:00 US-Eastern + delay."""
    local = dt.datetime.combine(day, dt.time(ANNOUNCE_HOUR), tzinfo=ARXIV_TZ)
    local += dt.timedelta(minutes=delay_minutes)
    # Adding a timedelta to an aware datetime keeps the wall-clock offset; normalise through UTC.
    return local.astimezone(dt.UTC)


def latest_ingest_slot(
    now: dt.datetime, *, delay_minutes: int = 30, holidays: Collection[dt.date] = ()
) -> dt.datetime:
    """The most recent ingest slot at or before ``now`` (aware), as an aware UTC datetime.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    day = now.astimezone(ARXIV_TZ).date()
    for back in range(0, 30):
        candidate = day - dt.timedelta(days=back)
        if not is_announcement_day(candidate, holidays=holidays):
            continue
        slot = ingest_slot_for(candidate, delay_minutes=delay_minutes)
        if slot <= now:
            return slot
    raise ValueError("no announcement day in the 30 days before now: check PAPERBOY_ARXIV_HOLIDAYS")


def next_ingest_at(
    now: dt.datetime, *, delay_minutes: int = 30, holidays: Collection[dt.date] = ()
) -> dt.datetime:
    """The first ingest slot strictly after ``now`` (aware), as an aware UTC datetime.

    Example: Friday 2025-03-07 10:00 UTC -> Sunday 2025-03-09 20:30 EDT = 2025-03-10 00:30 UTC
    (the clocks went forward that Sunday morning).

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    day = now.astimezone(ARXIV_TZ).date()
    for ahead in range(0, 30):
        candidate = day + dt.timedelta(days=ahead)
        if not is_announcement_day(candidate, holidays=holidays):
            continue
        slot = ingest_slot_for(candidate, delay_minutes=delay_minutes)
        if slot > now:
            return slot
    raise ValueError("no announcement day in the next 30 days: check PAPERBOY_ARXIV_HOLIDAYS")


def interval_slot(now: dt.datetime, *, every_minutes: int) -> dt.datetime:
    """``now`` floored to a multiple of ``every_minutes`` since midnight UTC (periodic jobs' slots)."""
    if every_minutes <= 0:
        raise ValueError("every_minutes must be positive")
    utc = now.astimezone(dt.UTC)
    midnight = utc.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = int((utc - midnight).total_seconds() // 60)
    return midnight + dt.timedelta(minutes=minutes - minutes % every_minutes)
