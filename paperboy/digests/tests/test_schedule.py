"""Send hours in subscribers' time zones, across DST changes; editions per kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from paperboy.digests.compose import edition_key
from paperboy.digests.models import Subscriber
from paperboy.digests.schedule import due_edition_on, is_due, local_send_instant, next_send_at, weekly_edition

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_berlin_send_hour_follows_summer_time():
    assert local_send_instant("Europe/Berlin", dt.date(2026, 1, 15), 8) == at(2026, 1, 15, 7)
    assert local_send_instant("Europe/Berlin", dt.date(2026, 7, 15), 8) == at(2026, 7, 15, 6)


def test_an_hour_skipped_by_spring_forward_means_the_first_instant_after_the_gap():
    # New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    assert local_send_instant("America/New_York", dt.date(2026, 3, 8), 2) == at(2026, 3, 8, 7)
    assert not is_due("America/New_York", 2, at(2026, 3, 8, 6, 59))
    assert is_due("America/New_York", 2, at(2026, 3, 8, 7, 0))


def test_an_hour_repeated_by_fall_back_means_its_first_occurrence():
    # New York, 2026-11-01: 01:00 EDT (05:00 UTC) and again 01:00 EST (06:00 UTC).
    assert local_send_instant("America/New_York", dt.date(2026, 11, 1), 1) == at(2026, 11, 1, 5)
    assert next_send_at("America/New_York", 1, at(2026, 11, 1, 5, 30)) == at(2026, 11, 2, 6)
    assert due_edition_on("America/New_York", 1, at(2026, 11, 1, 6, 30)) == dt.date(2026, 10, 31)


def test_half_hour_and_date_line_zones():
    assert local_send_instant("Asia/Kolkata", dt.date(2026, 2, 27), 8) == at(2026, 2, 27, 2, 30)
    # Kiritimati is UTC+14: at 20:00 UTC on the 27th it is 10:00 on the 28th there.
    assert due_edition_on("Pacific/Kiritimati", 9, at(2026, 2, 27, 20)) == dt.date(2026, 2, 27)
    assert due_edition_on("UTC", 9, at(2026, 2, 27, 20)) == dt.date(2026, 2, 26)


def test_before_the_send_hour_nothing_is_due_and_next_send_is_today():
    now = at(2026, 2, 27, 6, 15)
    assert due_edition_on("UTC", 7, now) is None
    assert next_send_at("UTC", 7, now) == at(2026, 2, 27, 7)
    assert next_send_at("UTC", 6, now) == at(2026, 2, 28, 6)


def test_editions_by_kind():
    friday, thursday = dt.date(2026, 2, 27), dt.date(2026, 2, 26)
    assert edition_key("daily", friday) == "daily:2026-02-27"
    assert edition_key("weekly", friday) == "weekly:2026-W09"
    assert edition_key("weekly", thursday) is None
    assert edition_key("author", thursday) == "author:2026-02-26"
    assert weekly_edition(dt.date(2027, 1, 1)) == "2026-W53"


@pytest.mark.django_db
def test_subscriber_time_zone_must_be_an_iana_name():
    subscriber = Subscriber(email="tz@example.org", timezone="Mars/Olympus_Mons", send_hour=8)
    with pytest.raises(ValidationError):
        subscriber.full_clean()
    subscriber.timezone = "America/Argentina/Buenos_Aires"
    subscriber.full_clean()
    assert subscriber.next_send_at(at(2026, 2, 27, 12)) == at(2026, 2, 28, 11)
