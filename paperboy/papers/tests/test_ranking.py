from __future__ import annotations

import datetime as dt

import pytest

from paperboy.papers import ranking
from paperboy.papers.models import FeaturedEntry

NOW = dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC)


def test_trending_score_follows_the_documented_formula():
    assert ranking.trending_score(10, 10) == pytest.approx(10 / 12**1.8)
    assert ranking.trending_score(30, 48) == pytest.approx(30 / 50**1.8)
    assert ranking.trending_score(0, 1) == 0
    assert ranking.trending_score(5, -3) == ranking.trending_score(5, 0)  # clock skew: no negative age


def test_a_newer_paper_with_fewer_votes_beats_an_older_one_with_more(make_paper):
    # 10 votes at 10 h: 10/12^1.8 = 0.114; 30 votes at 48 h: 30/50^1.8 = 0.026
    make_paper("2602.00001", upvotes=30, featured=["2026-02-08"], featured_at=NOW - dt.timedelta(hours=48))
    make_paper("2602.00002", upvotes=10, featured=["2026-02-10"], featured_at=NOW - dt.timedelta(hours=10))

    ids = [t.paper.arxiv_id for t in ranking.trending(now=NOW)]

    assert ids == ["2602.00002", "2602.00001"]


def test_an_older_paper_with_far_more_votes_stays_ahead(make_paper):
    # 100 votes at 24 h: 100/26^1.8 = 0.28; 10 votes at 10 h: 0.114
    make_paper("2602.00001", upvotes=100, featured=["2026-02-09"], featured_at=NOW - dt.timedelta(hours=24))
    make_paper("2602.00002", upvotes=10, featured=["2026-02-10"], featured_at=NOW - dt.timedelta(hours=10))

    assert [t.paper.arxiv_id for t in ranking.trending(now=NOW)] == ["2602.00001", "2602.00002"]


def test_trending_ties_fall_back_to_newer_arxiv_date_then_id(make_paper):
    at = NOW - dt.timedelta(hours=5)
    make_paper("2602.00003", upvotes=4, published="2026-02-01", featured=["2026-02-10"], featured_at=at)
    make_paper("2602.00001", upvotes=4, published="2026-02-05", featured=["2026-02-10"], featured_at=at)
    make_paper("2602.00002", upvotes=4, published="2026-02-05", featured=["2026-02-10"], featured_at=at)

    assert [t.paper.arxiv_id for t in ranking.trending(now=NOW)] == ["2602.00001", "2602.00002", "2602.00003"]


def test_trending_uses_midnight_of_the_featured_day_when_the_time_is_unknown(make_paper):
    make_paper("2602.00001", upvotes=3, featured=["2026-02-10"])  # featured_at None -> 00:00 UTC, 12 h old

    (item,) = ranking.trending(now=NOW)

    assert item.age_hours == pytest.approx(12.0)
    assert item.score == pytest.approx(3 / 14**1.8)


def test_trending_only_counts_the_window_and_the_first_featuring_in_it(make_paper):
    old = make_paper("2601.00001", upvotes=500, featured=["2026-02-03"])  # 8 days before NOW: outside
    twice = make_paper("2602.00002", upvotes=5, featured=["2026-02-05", "2026-02-09"])

    items = ranking.trending(now=NOW)

    assert [t.paper for t in items] == [twice]
    assert items[0].featured_at == dt.datetime(2026, 2, 5, tzinfo=dt.UTC)
    assert old not in [t.paper for t in items]


def test_day_ranking_is_upvotes_then_newer_arxiv_date(make_paper):
    make_paper("2602.00001", upvotes=5, published="2026-02-01", featured=["2026-02-03"])
    make_paper("2602.00002", upvotes=9, published="2026-01-20", featured=["2026-02-03"])
    make_paper("2602.00003", upvotes=5, published="2026-02-02", featured=["2026-02-03"])
    make_paper("2602.00004", upvotes=99, featured=["2026-02-04"])  # another day

    papers = ranking.featured_papers(ranking.day_period(dt.date(2026, 2, 3)))

    assert [p.arxiv_id for p in papers] == ["2602.00002", "2602.00003", "2602.00001"]


def test_a_paper_featured_twice_in_a_week_is_listed_once_with_its_first_day(make_paper):
    make_paper("2602.00001", upvotes=1, featured=["2026-02-03", "2026-02-05"])

    papers = list(ranking.featured_papers(ranking.week_period(2026, 6)))

    assert [p.arxiv_id for p in papers] == ["2602.00001"]
    assert papers[0].featured_day == dt.date(2026, 2, 3)


def test_iso_week_2026_w01_starts_in_december_2025(make_paper):
    make_paper("2512.00001", featured=["2025-12-28"])  # Sunday: 2025-W52
    make_paper("2512.00002", featured=["2025-12-29"])  # Monday: 2026-W01
    make_paper("2601.00003", featured=["2026-01-04"])  # Sunday: 2026-W01
    make_paper("2601.00004", featured=["2026-01-05"])  # Monday: 2026-W02

    period = ranking.week_period(*ranking.parse_iso_week("2026-W01"))

    assert (period.start, period.end) == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    assert {p.arxiv_id for p in ranking.featured_papers(period)} == {"2512.00002", "2601.00003"}
    assert ranking.neighbour_days(period) == (dt.date(2025, 12, 28), dt.date(2026, 1, 5))


@pytest.mark.parametrize("text", ["2026-W00", "2026-W54", "2025-W53", "2026-w06", "2026-6", "2026-W6"])
def test_impossible_iso_weeks_are_rejected(text):
    with pytest.raises(ValueError):
        ranking.parse_iso_week(text)


def test_week_53_exists_in_long_iso_years():
    assert ranking.week_period(*ranking.parse_iso_week("2026-W53")).end == dt.date(2027, 1, 3)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "2026-2-3", "20260203", "2026-02-03x"])
def test_impossible_days_are_rejected(text):
    with pytest.raises(ValueError):
        ranking.parse_day(text)


def test_month_period_covers_leap_february():
    period = ranking.month_period(*ranking.parse_month("2028-02"))
    assert (period.start, period.end) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert ranking.month_period(2025, 12).end == dt.date(2025, 12, 31)


def test_latest_featured_day_and_neighbours(make_paper):
    assert ranking.latest_featured_day() is None
    make_paper("2602.00001", featured=["2026-01-30", "2026-02-06"])
    make_paper("2602.00002", featured=["2026-02-02"])

    assert ranking.latest_featured_day() == dt.date(2026, 2, 6)
    assert ranking.neighbour_days(ranking.day_period(dt.date(2026, 2, 2))) == (
        dt.date(2026, 1, 30),
        dt.date(2026, 2, 6),
    )
    assert FeaturedEntry.objects.count() == 3
