from __future__ import annotations

import datetime as dt

import pytest

from paperboy.ops.schedule import (
    interval_slot,
    is_announcement_day,
    latest_ingest_slot,
    next_ingest_at,
)

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_it_waits_for_sunday_evening_from_friday():
    # Friday 2025-01-10 15:00 UTC: no Friday or Saturday announcement; Sunday 20:30 EST = Monday 01:30 UTC.
    assert next_ingest_at(at(2025, 1, 10, 15, 0)) == at(2025, 1, 13, 1, 30)


def test_thursday_evening_is_an_announcement():
    # Thursday 2025-01-09 12:00 UTC -> Thursday 20:30 EST = Friday 01:30 UTC.
    assert next_ingest_at(at(2025, 1, 9, 12, 0)) == at(2025, 1, 10, 1, 30)


def test_friday_evening_is_not_an_announcement():
    # Friday 2025-01-10 01:30 UTC exactly is Thursday's slot; the next is Sunday's.
    assert next_ingest_at(at(2025, 1, 10, 1, 30)) == at(2025, 1, 13, 1, 30)


def test_it_follows_daylight_saving_in_march():
    # 2025-03-09 clocks go forward in New York: Sunday 20:30 EDT = Monday 00:30 UTC (not 01:30).
    assert next_ingest_at(at(2025, 3, 8, 12, 0)) == at(2025, 3, 10, 0, 30)
    # The Thursday before is still EST.
    assert next_ingest_at(at(2025, 3, 6, 12, 0)) == at(2025, 3, 7, 1, 30)


def test_it_follows_the_end_of_daylight_saving_in_november():
    # 2025-11-02 clocks go back: Sunday 20:30 EST = Monday 01:30 UTC; Thursday before is EDT 00:30 UTC.
    assert next_ingest_at(at(2025, 10, 30, 12, 0)) == at(2025, 10, 31, 0, 30)
    assert next_ingest_at(at(2025, 11, 1, 12, 0)) == at(2025, 11, 3, 1, 30)


def test_it_skips_holidays():
    christmas = dt.date(2025, 12, 25)  # a Thursday
    assert not is_announcement_day(christmas, holidays={christmas})
    assert next_ingest_at(at(2025, 12, 25, 12, 0), holidays={christmas}) == at(2025, 12, 29, 1, 30)
    assert next_ingest_at(at(2025, 12, 25, 12, 0)) == at(2025, 12, 26, 1, 30)


def test_delay_is_configurable():
    assert next_ingest_at(at(2025, 1, 9, 12, 0), delay_minutes=0) == at(2025, 1, 10, 1, 0)


def test_latest_slot_over_a_weekend_is_thursdays():
    assert latest_ingest_slot(at(2025, 1, 11, 18, 0)) == at(2025, 1, 10, 1, 30)
    # Just after Sunday's slot it is Sunday's.
    assert latest_ingest_slot(at(2025, 1, 13, 1, 31)) == at(2025, 1, 13, 1, 30)
    # Just before it, Thursday's.
    assert latest_ingest_slot(at(2025, 1, 13, 1, 29)) == at(2025, 1, 10, 1, 30)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        next_ingest_at(dt.datetime(2025, 1, 9, 12, 0))


def test_interval_slots_floor_to_the_interval():
    assert interval_slot(at(2025, 1, 9, 12, 7, 59), every_minutes=5) == at(2025, 1, 9, 12, 5)
    assert interval_slot(at(2025, 1, 9, 0, 14), every_minutes=15) == at(2025, 1, 9, 0, 0)
