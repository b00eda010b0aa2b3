"""When a subscriber's digests go out: pure functions of (time zone, send hour, now).

A subscriber with ``send_hour=8`` in ``Europe/Berlin`` gets, on each local day L, the editions of
edition day ``L - 1`` (yesterday's list is complete by then) from 08:00 local time on. Daylight
saving time: an hour that does not exist that day (spring forward, e.g. 02:00 in New York on
2026-03-08) means the first instant after the gap (03:00 EDT); an hour that occurs twice (fall back)
means its first occurrence. All arguments and results are aware datetimes; results are UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

UTC = dt.UTC


@lru_cache(maxsize=1024)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_send_instant(tz_name: str, day: dt.date, hour: int) -> dt.datetime:
    """The UTC instant of ``hour``:00 local time on local date ``day`` (DST rules in the module doc).

    Example: ``("America/New_York", 2026-03-08, 2)`` -> ``2026-03-08 07:00 UTC`` (= 03:00 EDT).
    """
    local = dt.datetime(day.year, day.month, day.day, hour, tzinfo=_zone(tz_name))  # fold=0: first occurrence
    # In a gap, fold=0 applies the offset from before the transition, which lands after the gap.
    return local.astimezone(UTC)


def is_due(tz_name: str, send_hour: int, now: dt.datetime) -> bool:
    """Whether ``now`` is at or after the send instant of the subscriber's current local day."""
    local_day = now.astimezone(_zone(tz_name)).date()
    return now >= local_send_instant(tz_name, local_day, send_hour)


def due_edition_on(tz_name: str, send_hour: int, now: dt.datetime) -> dt.date | None:
    """The edition day due at ``now`` (local yesterday), or None before today's send hour."""
    if not is_due(tz_name, send_hour, now):
        return None
    return now.astimezone(_zone(tz_name)).date() - dt.timedelta(days=1)


def next_send_at(tz_name: str, send_hour: int, now: dt.datetime) -> dt.datetime:
    """The first send instant at or after ``now`` (UTC)."""
    local_day = now.astimezone(_zone(tz_name)).date()
    for offset in range(3):
        at = local_send_instant(tz_name, local_day + dt.timedelta(days=offset), send_hour)
        if at >= now:
            return at
    raise AssertionError("unreachable: a local day has at most 25 hours")  # pragma: no cover


def weekly_edition(day: dt.date) -> str:
    """The ISO-week key of a weekly edition, e.g. ``2026-02-27`` -> ``2026-W09``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
