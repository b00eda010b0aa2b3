"""/api/daily_papers against Hugging Face's recorded item shape (../shared/DOMAIN.md) and every parameter."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from paperboy.papers.models import FeaturedEntry

DOMAIN_MD = Path(settings.BASE_DIR).parent / "shared" / "DOMAIN.md"
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

# JSON type of every key of the recorded HF item (keys come from DOMAIN.md; see test below).
ITEM_TYPES = {
    "paper": dict,
    "publishedAt": str,
    "title": str,
    "mediaUrls": list,
    "thumbnail": str,
    "numComments": int,
    "submittedBy": dict,
}
PAPER_TYPES = {
    "id": str,
    "authors": list,
    "publishedAt": str,
    "title": str,
    "summary": str,
    "upvotes": int,
    "discussionId": str,
}
AUTHOR_TYPES = {
    "_id": str,
    "name": str,
    "hidden": bool,
    "user": dict,
    "status": str,
    "statusLastChangedAt": str,
}
SUBMITTER_TYPES = {
    "avatarUrl": str,
    "fullname": str,
    "name": str,
    "type": str,
    "isPro": bool,
    "isHf": bool,
    "isMod": bool,
    "followerCount": int,
}


def _recorded_shape() -> dict[str, tuple[set[str], set[str]]]:
    """Parse DOMAIN.md's recorded item: for each object, (required keys, optional keys marked ``?``)."""
    if not DOMAIN_MD.exists():
        pytest.fail(f"{DOMAIN_MD} is missing: the recorded HF item shape lives there")
    text = " ".join(DOMAIN_MD.read_text(encoding="utf-8").split())
    start = text.index('`{"paper": {')
    shape = text[start + 1 : text.index("}}`", start) + 2]

    def keys(fragment: str) -> tuple[set[str], set[str]]:
        found = re.findall(r'"([A-Za-z_]+)"(\?)?', fragment)
        return {k for k, q in found if not q}, {k for k, q in found if q}

    authors = re.search(r'"authors": \[\{(.*?)\}\]', shape)
    submitter = re.search(r'"submittedBy": \{(.*?)\}', shape)
    paper = re.search(r'"paper": \{(.*?)\}, "publishedAt"', shape)
    assert authors and submitter and paper
    paper_text = paper[1].replace(authors[0], '"authors"')
    item_text = shape.replace(paper[0], '"paper", "publishedAt"').replace(submitter[0], '"submittedBy"')
    return {
        "item": keys(item_text),
        "paper": keys(paper_text),
        "author": keys(authors[1]),
        "submittedBy": keys(submitter[1]),
    }


def _check(obj: dict, types: dict[str, type], required: set[str], optional: set[str], where: str) -> None:
    assert set(types) == required | optional, f"{where}: test's type table is out of date with DOMAIN.md"
    missing = required - obj.keys()
    assert not missing, f"{where}: missing keys {missing}"
    for key in required | (optional & obj.keys()):
        value = obj[key]
        expected = types[key]
        assert isinstance(value, expected) and not (expected is int and isinstance(value, bool)), (
            f"{where}.{key}: {value!r} is not {expected.__name__}"
        )


def assert_hf_item(item: dict, shape: dict[str, tuple[set[str], set[str]]]) -> None:
    _check(item, ITEM_TYPES, *shape["item"], "item")
    _check(item["paper"], PAPER_TYPES, *shape["paper"], "item.paper")
    _check(item["submittedBy"], SUBMITTER_TYPES, *shape["submittedBy"], "item.submittedBy")
    for author in item["paper"]["authors"]:
        _check(author, AUTHOR_TYPES, *shape["author"], "item.paper.authors[]")
    assert ISO_MS.match(item["publishedAt"]), item["publishedAt"]
    assert ISO_MS.match(item["paper"]["publishedAt"]), item["paper"]["publishedAt"]
    assert "\n" not in item["title"]
    for key in ("githubRepo", "projectPage"):
        assert item[key] is None or item[key].startswith("http")


@pytest.fixture
def shape() -> dict[str, tuple[set[str], set[str]]]:
    return _recorded_shape()


def test_recorded_shape_is_parsed_from_domain_md(shape):
    assert shape["item"][0] == {"paper", "publishedAt", "title", "thumbnail", "numComments", "submittedBy"}
    assert shape["item"][1] == {"mediaUrls"}
    assert "discussionId" in shape["paper"][0]
    assert shape["author"] == ({"_id", "name", "hidden"}, {"user", "status", "statusLastChangedAt"})
    assert shape["submittedBy"][1] == {"followerCount"}


def _get(client, **params):
    response = client.get("/api/daily_papers", params)
    return response, response.json()


def test_date_lists_that_days_entries_in_hf_shape_most_upvoted_first(client, corpus, shape):
    response, items = _get(client, date="2026-02-03")
    assert response.status_code == 200
    expected = FeaturedEntry.objects.filter(featured_on=dt.date(2026, 2, 3))
    assert len(items) == expected.count() > 0
    for item in items:
        assert_hf_item(item, shape)
        assert item["publishedAt"].startswith("2026-02-03T")
    upvotes = [item["paper"]["upvotes"] for item in items]
    assert upvotes == sorted(upvotes, reverse=True)
    entry = expected.select_related("paper").get(paper__arxiv_id=items[0]["paper"]["id"])
    assert items[0]["paper"]["title"] == entry.paper.title
    assert items[0]["paper"]["summary"] == entry.paper.abstract
    assert [a["name"] for a in items[0]["paper"]["authors"]] == entry.paper.authors
    assert items[0]["submittedBy"]["name"] == entry.submitter_name


def test_week_and_month_cover_their_days_once_per_paper(client, corpus, shape):
    _, week6 = _get(client, week="2026-W06", limit=100)
    days = {item["publishedAt"][:10] for item in week6}
    assert days == {"2026-02-02", "2026-02-03", "2026-02-04"}
    ids = [item["paper"]["id"] for item in week6]
    assert len(ids) == len(set(ids))
    from paperboy.papers import ranking

    assert ids == [
        p.arxiv_id for p in ranking.featured_papers(ranking.week_period(2026, 6))
    ]  # the site's order
    _, week7 = _get(client, week="2026-W07", limit=100)
    assert {item["publishedAt"][:10] for item in week7} == {"2026-02-09", "2026-02-10", "2026-02-13"}
    _, month = _get(client, month="2026-02", limit=100)
    assert {i["paper"]["id"] for i in month} == {i["paper"]["id"] for i in week6} | {
        i["paper"]["id"] for i in week7
    }
    for item in month:
        assert_hf_item(item, shape)
    _, empty = _get(client, month="2026-03")
    assert empty == []


def test_sort_published_at_is_newest_featured_first_and_trending_differs(client, corpus, shape):
    _, newest = _get(client, week="2026-W07", sort="publishedAt", limit=100)
    times = [item["publishedAt"] for item in newest]
    assert times == sorted(times, reverse=True)
    _, trending = _get(client, week="2026-W07", sort="trending", limit=100)
    assert {i["paper"]["id"] for i in trending} == {i["paper"]["id"] for i in newest}
    for item in trending:
        assert_hf_item(item, shape)
    # Trending divides upvotes by age: a newer paper can pass an older one with more upvotes.
    assert [i["paper"]["id"] for i in trending] != [i["paper"]["id"] for i in newest]


def test_trending_without_a_period_is_the_sites_trending_list(client, corpus, shape):
    from paperboy.papers import ranking

    now = dt.datetime(2026, 2, 14, 12, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        _, items = _get(client, sort="trending", limit=100)
        expected = [t.paper.arxiv_id for t in ranking.trending(now=now, limit=100)]
    assert expected and [i["paper"]["id"] for i in items] == expected
    for item in items:
        assert_hf_item(item, shape)
    with time_machine.travel(dt.datetime(2026, 11, 1, tzinfo=dt.UTC), tick=False):
        # nothing featured in the window: ranked as of the latest list, as the page does
        latest = ranking.trending_or_latest(limit=100)[0]
        assert [i["paper"]["id"] for i in _get(client, sort="trending", limit=100)[1]] == [
            t.paper.arxiv_id for t in latest
        ]


def test_no_period_pages_through_all_entries_newest_first(client, corpus, shape):
    _, first = _get(client, limit=10)
    _, second = _get(client, limit=10, p=1)
    assert len(first) == len(second) == 10
    assert not {i["paper"]["id"] for i in first} & {i["paper"]["id"] for i in second}
    assert first[0]["publishedAt"].startswith("2026-02-13")
    assert first[-1]["publishedAt"] >= second[0]["publishedAt"]
    _, everything = _get(client, limit=100)
    assert len(everything) == corpus["entries"]
    for item in everything:
        assert_hf_item(item, shape)


def test_limit_defaults_to_50_and_p_pages(client, corpus):
    _, default = _get(client)
    assert len(default) == min(50, corpus["entries"])
    _, page = _get(client, date="2026-02-02", limit=5, p=2)
    _, whole = _get(client, date="2026-02-02", limit=100)
    assert page == whole[10:15]


def test_submitter_filters_by_handle_any_case(client, corpus):
    _, items = _get(client, month="2026-02", submitter="AKHALIQ", limit=100)
    assert items and {i["submittedBy"]["name"] for i in items} == {"akhaliq"}
    expected = FeaturedEntry.objects.filter(submitter_name="akhaliq").values("paper").distinct().count()
    assert len(items) == expected
    _, nobody = _get(client, submitter="nobody-at-all")
    assert nobody == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "2026-02-30"}, "not a calendar day"),
        ({"date": "yesterday"}, "date: String should match pattern"),
        ({"week": "2025-W60"}, "has no week 60"),
        ({"week": "2025-16"}, "week: String should match pattern"),
        ({"month": "2025-13"}, "does not exist"),
        ({"sort": "foo"}, "sort: Input should be 'publishedAt' or 'trending'"),
        ({"limit": "101"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"p": "-1"}, "p"),
        ({"p": "abc"}, "p"),
        ({"date": "2026-02-03", "week": "2026-W06"}, "at most one of date, week and month"),
        ({"week": "2026-W06", "month": "2026-02"}, "at most one of date, week and month"),
    ],
)
def test_invalid_parameters_get_400_with_a_message(client, db, params, message):
    response = client.get("/api/daily_papers", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert message in response.json()["error"]


@pytest.mark.django_db
def test_trending_without_recent_papers_ranks_as_of_the_latest_list(client):
    from paperboy.papers.models import FeaturedEntry, Paper

    old = Paper.objects.create(arxiv_id="2602.00011", title="Old but loved", upvote_count=9)
    FeaturedEntry.objects.create(paper=old, featured_on=dt.date(2026, 2, 27))

    items = client.get("/api/daily_papers?sort=trending").json()

    assert [item["paper"]["id"] for item in items] == ["2602.00011"]
    assert items[0]["paper"]["publishedAt"].startswith("2026-02-01")  # no v1 date: the id's month


def test_etag_and_304_then_a_new_upvote_changes_the_answer(client, corpus, django_user_model):
    from paperboy.papers.services import toggle_upvote

    first = client.get("/api/daily_papers", {"date": "2026-02-03"})
    etag = first["ETag"]
    assert etag
    again = client.get("/api/daily_papers", {"date": "2026-02-03"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    top = FeaturedEntry.objects.filter(featured_on=dt.date(2026, 2, 3)).select_related("paper").first()
    assert top is not None
    toggle_upvote(django_user_model.objects.create_user("etag-voter"), top.paper)
    changed = client.get("/api/daily_papers", {"date": "2026-02-03"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
