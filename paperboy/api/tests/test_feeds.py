"""Every feed parses with feedparser (no bozo), has stable ids, and answers conditional GETs with 304."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest
import time_machine

from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.papers.services import PaperRecord, upsert_paper

FEEDS = [
    "/feeds/daily.{fmt}",
    "/feeds/daily.{fmt}?date=2026-02-03",
    "/feeds/weekly.{fmt}",
    "/feeds/weekly.{fmt}?week=2026-W06",
    "/feeds/monthly.{fmt}?month=2026-02",
    "/feeds/trending.{fmt}",
    "/feeds/category/cs.CL.{fmt}",
    "/feeds/author/Yosuke%20Imamura.{fmt}",
    "/feeds/search.{fmt}?q=sparsity",
]


def _parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
    return response, parsed


@pytest.mark.parametrize("template", FEEDS)
def test_feed_is_valid_with_stable_ids_and_304(client, corpus, template):
    # Trending looks back a few days from now: be the day after the corpus' last featured day.
    with time_machine.travel(dt.datetime(2026, 2, 14, 12, tzinfo=dt.UTC), tick=False):
        for fmt in ("rss", "atom"):
            _check_feed(client, template.format(fmt=fmt), fmt)


def _check_feed(client, url, fmt):
    response, parsed = _parse(client, url)
    assert parsed.version == ("rss20" if fmt == "rss" else "atom10")
    assert parsed.entries, url
    ids = [e.id for e in parsed.entries]
    assert len(ids) == len(set(ids))
    for entry in parsed.entries:
        assert entry.id.startswith("http") and "/papers/" in entry.id
        assert entry.link == entry.id
        arxiv_id = entry.id.split("/papers/", 1)[1]
        assert entry.title == " ".join(Paper.objects.get(arxiv_id=arxiv_id).title.split())
    _, again = _parse(client, url)
    assert [e.id for e in again.entries] == ids
    assert response["ETag"] and response["Last-Modified"]
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304


def test_daily_feed_lists_that_day_most_upvoted_first(client, corpus):
    _, parsed = _parse(client, "/feeds/daily.rss?date=2026-02-03")
    entries = FeaturedEntry.objects.filter(featured_on=dt.date(2026, 2, 3)).select_related("paper")
    upvotes = {e.paper.arxiv_id: e.paper.upvote_count for e in entries}
    listed = [e.id.split("/papers/", 1)[1] for e in parsed.entries]
    assert sorted(listed) == sorted(upvotes)
    assert [upvotes[i] for i in listed] == sorted(upvotes.values(), reverse=True)
    _, week = _parse(client, "/feeds/weekly.atom?week=2026-W06")
    in_week = FeaturedEntry.objects.filter(featured_on__range=(dt.date(2026, 2, 2), dt.date(2026, 2, 8)))
    assert len(week.entries) == min(50, in_week.values("paper").distinct().count())
    _, month = _parse(client, "/feeds/monthly.rss")
    assert len(month.entries) == min(50, FeaturedEntry.objects.values("paper").distinct().count())
    _, newest = _parse(client, "/feeds/daily.atom")
    assert all(e.published.startswith("2026-02-13") for e in newest.entries)


def test_author_and_category_feeds_match_exactly(client, corpus):
    _, author = _parse(client, "/feeds/author/yosuke%20imamura.rss")
    assert [e.id.rsplit("/papers/", 1)[1] for e in author.entries] == ["hep-th/9901001"]
    _, category = _parse(client, "/feeds/category/hep-th.atom")
    assert [e.id.rsplit("/papers/", 1)[1] for e in category.entries] == ["hep-th/9901001"]
    in_cl = {p.arxiv_id for p in Paper.objects.all() if "cs.CL" in p.categories}
    _, cl = _parse(client, "/feeds/category/cs.CL.rss")
    assert {e.id.rsplit("/papers/", 1)[1] for e in cl.entries} == in_cl


def test_feed_etag_changes_when_a_paper_changes(client, corpus):
    first = client.get("/feeds/author/Yosuke%20Imamura.atom")
    upsert_paper(
        PaperRecord(
            arxiv_id="hep-th/9901001",
            title="String Junctions, revised",
            version=4,
            authors=["Yosuke Imamura"],
        ),
        source="abs",
    )
    second = client.get("/feeds/author/Yosuke%20Imamura.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert feedparser.parse(second.content).entries[0].title == "String Junctions, revised"


def test_titles_with_markup_and_control_characters_stay_valid_xml(client, db):
    upsert_paper(
        PaperRecord(
            arxiv_id="2602.00001",
            title="Bounds for <b>$a<b$</b> & \x0cthe “rest”",
            abstract="Uses $x < y$ & <script>alert(1)</script>.",
            authors=["A. Author"],
            featured_on=dt.date(2026, 2, 3),
        ),
        source="test",
    )
    for url in ("/feeds/daily.rss", "/feeds/daily.atom"):
        response, parsed = _parse(client, url)
        raw = response.content.decode()
        assert "Bounds for &lt;b&gt;$a&lt;b$&lt;/b&gt; &amp; the “rest”" in raw
        assert "<script>" not in raw and "\x0c" not in raw
    # Atom titles are type="text": readers show the markup as typed, never run it.
    assert parsed.entries[0].title == "Bounds for <b>$a<b$</b> & the “rest”"


def test_empty_lists_and_bad_parameters(client, db):
    _, parsed = _parse(client, "/feeds/daily.rss")
    assert parsed.entries == []
    assert client.get("/feeds/daily.rss?date=2026-02-30").status_code == 400
    assert client.get("/feeds/weekly.atom?week=2025-W60").status_code == 400
    assert client.get("/feeds/monthly.rss?month=2025-13").status_code == 400
    assert client.get("/feeds/search.rss").status_code == 400
    assert client.get("/feeds/category/bad%20cat!.rss").status_code == 400
    assert client.post("/feeds/daily.rss").status_code == 405


def test_feed_link_tags_point_at_working_feeds(client, corpus):
    from django.template import Context, Template

    html = Template(
        '{% load feed_tags %}{% feed_links "search" "Search <x>" q=query mode="keyword" %}'
        '|{% feed_url "author" name="Yosuke Imamura" %}|{% feed_url "category" "atom" category="hep-th" %}'
    ).render(Context({"query": "sparse & guidance"}))
    links, author, category = html.split("|")
    assert 'type="application/rss+xml" title="Search &lt;x&gt; (RSS)"' in links
    assert 'href="/feeds/search.rss?q=sparse+%26+guidance&amp;mode=keyword"' in links
    assert 'href="/feeds/search.atom?q=sparse+%26+guidance&amp;mode=keyword"' in links
    assert author == "/feeds/author/Yosuke%20Imamura.rss"
    assert category == "/feeds/category/hep-th.atom"
    for url in ("/feeds/search.rss?q=sparse+%26+guidance&mode=keyword", author, category):
        _parse(client, url)


@pytest.mark.parametrize(
    ("page", "rss", "json_url"),
    [
        ("/day/2026-02-03", "/feeds/daily.rss?date=2026-02-03", "/api/daily_papers?date=2026-02-03"),
        ("/week/2026-W06", "/feeds/weekly.rss?week=2026-W06", "/api/daily_papers?week=2026-W06"),
        ("/month/2026-02", "/feeds/monthly.rss?month=2026-02", "/api/daily_papers?month=2026-02"),
        ("/trending", "/feeds/trending.rss", "/api/daily_papers?sort=trending"),
    ],
)
def test_list_pages_link_their_feed_and_json_twin(client, corpus, page, rss, json_url):
    html = client.get(page).content.decode()
    assert f'<link rel="alternate" type="application/rss+xml" title="paperboy (RSS)" href="{rss}">' in html
    assert f'href="{rss.replace(".rss", ".atom")}"' in html
    assert f'href="{json_url}"' in html
    _parse(client, rss)
    assert client.get(json_url).status_code == 200
