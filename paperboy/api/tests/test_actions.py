"""Authenticated actions through the API: comments and submissions (the accounts app's rules), rate limits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from paperboy.api.tokens import create_token
from paperboy.comments.models import Comment
from paperboy.papers import submissions
from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.papers.services import PaperRecord, upsert_paper


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.org", "correct horse battery")


@pytest.fixture
def auth(alice):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(alice, 'script').secret}"}


def test_comment_with_a_token_shows_in_comments_and_counts(client, corpus, alice, auth):
    url = "/api/papers/hep-th/9901001/comments"
    response = client.post(url, {"body": "Nice *junctions*"}, content_type="application/json", **auth)
    assert response.status_code == 201
    body = response.json()
    assert body["author"] == "alice" and body["body"] == "Nice *junctions*"
    assert "<em>junctions</em>" in body["bodyHtml"]
    assert [c["id"] for c in client.get(url).json()] == [body["id"]]
    assert client.get("/api/papers/hep-th/9901001").json()["numComments"] == 1
    Comment.objects.filter(pk=body["id"]).update(hidden=True)  # a moderator hides it
    assert client.get(url).json() == []
    assert client.get("/api/papers/hep-th/9901001").json()["numComments"] == 0


def test_comment_count_in_daily_papers(client, corpus, alice, auth):
    item = client.get("/api/daily_papers", {"date": "2026-02-03", "limit": 1}).json()[0]
    arxiv_id = item["paper"]["id"]
    for text in ("first", "second"):
        client.post(
            f"/api/papers/{arxiv_id}/comments", {"body": text}, content_type="application/json", **auth
        )
    again = client.get("/api/daily_papers", {"date": "2026-02-03", "limit": 1}).json()[0]
    assert again["paper"]["id"] == arxiv_id and again["numComments"] == 2


def test_comment_errors(client, corpus, auth):
    url = "/api/papers/hep-th/9901001/comments"
    assert client.post(url, {"body": "hi"}, content_type="application/json").status_code == 401
    blank = client.post(url, {"body": "   "}, content_type="application/json", **auth)
    assert blank.status_code == 400 and "empty" in blank.json()["error"]
    assert client.post(url, {}, content_type="application/json", **auth).status_code == 400
    missing = client.post(
        "/api/papers/2101.99999/comments", {"body": "x"}, content_type="application/json", **auth
    )
    assert missing.status_code == 404


def test_submit_puts_a_recent_paper_on_todays_list(client, db, alice, auth):
    now = timezone.now()
    upsert_paper(
        PaperRecord(
            arxiv_id="2611.00042",
            title="A recent paper",
            authors=["A. Author"],
            published_at=now - dt.timedelta(days=2),
        ),
        source="test",
    )
    response = client.post(
        "/api/papers/submit", {"id": "arXiv:2611.00042v1"}, content_type="application/json", **auth
    )
    assert response.status_code == 201
    item = response.json()
    assert item["paper"]["id"] == "2611.00042"
    assert item["submittedBy"]["name"] == "alice"
    entry = FeaturedEntry.objects.get(paper__arxiv_id="2611.00042")
    assert entry.submitted_by == alice and entry.featured_on == now.astimezone(dt.UTC).date()
    today = client.get("/api/daily_papers", {"date": entry.featured_on.isoformat()}).json()
    assert [i["paper"]["id"] for i in today] == ["2611.00042"]
    again = client.post("/api/papers/submit", {"id": "2611.00042"}, content_type="application/json", **auth)
    assert again.status_code == 400 and "already on the daily list" in again.json()["error"]


def test_submit_rules_and_arxiv_outage(client, corpus, auth, monkeypatch):
    old = client.post("/api/papers/submit", {"id": "hep-th/9901001"}, content_type="application/json", **auth)
    assert old.status_code == 400 and "too old" in old.json()["error"]
    bad = client.post("/api/papers/submit", {"id": "not an id"}, content_type="application/json", **auth)
    assert bad.status_code == 400 and "is not an arXiv id" in bad.json()["error"]
    # Unknown here and arXiv unreachable (tests never reach the network): 503, nothing saved.
    down = client.post("/api/papers/submit", {"id": "2611.99999"}, content_type="application/json", **auth)
    assert down.status_code == 503 and "arXiv is unreachable" in down.json()["error"]
    assert not Paper.objects.filter(arxiv_id="2611.99999").exists()
    monkeypatch.setattr(submissions, "fetch_paper_record", lambda arxiv_id: None)  # arXiv: no such paper
    unknown = client.post("/api/papers/submit", {"id": "2611.99999"}, content_type="application/json", **auth)
    assert unknown.status_code == 400 and "arXiv has no paper" in unknown.json()["error"]
    assert (
        client.post("/api/papers/submit", {"id": "2611.99999"}, content_type="application/json").status_code
        == 401
    )


def test_writes_are_rate_limited(client, corpus, auth, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "vote": "3/m"}
    codes = [client.post("/api/papers/hep-th/9901001/upvote", **auth).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
    limited = client.post("/api/papers/hep-th/9901001/upvote", **auth)
    assert "too many vote requests" in limited.json()["error"]


def test_api_429_carries_retry_after_from_the_limits_window(client, corpus, auth, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "vote": "1/h"}
    assert client.post("/api/papers/hep-th/9901001/upvote", **auth).status_code == 200
    limited = client.post("/api/papers/hep-th/9901001/upvote", **auth)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "3600"
    assert "an hour" in limited.json()["error"]


def test_api_submissions_with_malformed_ids_do_not_use_up_the_allowance(client, corpus, auth, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": "1/h"}
    for _ in range(3):
        assert (
            client.post("/api/papers/submit", {"id": "not-a-paper"}, "application/json", **auth).status_code
            == 400
        )
    first = client.post("/api/papers/submit", {"id": "hep-th/9901001"}, "application/json", **auth)
    assert first.status_code != 429
    second = client.post("/api/papers/submit", {"id": "hep-th/9901001"}, "application/json", **auth)
    assert second.status_code == 429 and second["Retry-After"] == "3600"


def test_a_get_on_a_post_only_route_is_a_json_405(client, db):
    response = client.get("/api/papers/submit")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert "POST" in response["Allow"]
    assert (
        response.json()["detail"]
        == "Method GET is not allowed on /api/papers/submit; use " + response["Allow"]
    )
