"""Submitting papers to the daily list: each rule with its message; arXiv fetch and its failure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from paperboy.accounts.tests.conftest import make_paper, make_user
from paperboy.papers import submissions
from paperboy.papers.models import FeaturedEntry, Paper
from paperboy.papers.services import PaperRecord
from paperboy.papers.submissions import ArxivUnavailable, SubmissionRejected, submit_paper

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
SUBMIT = reverse("community:submit")


def _record(arxiv_id: str, days_old: int) -> PaperRecord:
    when = timezone.now() - dt.timedelta(days=days_old)
    return PaperRecord(
        arxiv_id=arxiv_id,
        title="Fetched",
        authors=["A. Author"],
        version=2,
        published_at=when,
        updated_at=when,
    )


def test_the_form_shows_the_rules_with_the_configured_numbers(client: Client, settings) -> None:
    settings.SUBMISSION_MAX_AGE_DAYS = 9
    settings.SUBMISSIONS_PER_DAY = 3
    page = client.get(SUBMIT)
    assert page.status_code == 200
    assert b"at most 9 days old" in page.content
    assert b"3 papers per day" in page.content
    assert b"Log in" in page.content


def test_anonymous_post_is_sent_to_log_in_and_saves_nothing(client: Client, paper: Paper) -> None:
    response = client.post(SUBMIT, {"arxiv": paper.arxiv_id})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not FeaturedEntry.objects.exists()


def test_a_paper_in_the_database_is_listed_today(alice_client: Client, user: User, paper: Paper) -> None:
    response = alice_client.post(SUBMIT, {"arxiv": f"https://arxiv.org/abs/{paper.arxiv_id}v2"})
    assert response.status_code == 302
    entry = FeaturedEntry.objects.get()
    assert (entry.paper, entry.submitted_by, entry.featured_on) == (paper, user, timezone.now().date())


def test_invalid_id_is_explained(alice_client: Client) -> None:
    response = alice_client.post(SUBMIT, {"arxiv": "not-a-paper"})
    assert response.status_code == 400
    assert "is not an arXiv id or arXiv URL" in response.content.decode()


def test_too_old_counted_from_the_latest_version(user: User, settings) -> None:
    settings.SUBMISSION_MAX_AGE_DAYS = 14
    now = timezone.now()
    old = make_paper(
        "2601.00100", published_at=now - dt.timedelta(days=40), updated_at=now - dt.timedelta(days=20)
    )
    with pytest.raises(SubmissionRejected, match=r"too old.*20 days ago.*at most 14 days"):
        submit_paper(user, old.arxiv_id, now=now)
    revised = make_paper(
        "2601.00101", published_at=now - dt.timedelta(days=400), updated_at=now - dt.timedelta(days=3)
    )
    assert submit_paper(user, revised.arxiv_id, now=now).entry.paper == revised  # v2 is recent
    assert FeaturedEntry.objects.count() == 1


def test_daily_quota(user: User, settings) -> None:
    settings.SUBMISSIONS_PER_DAY = 2
    papers = [make_paper() for _ in range(3)]
    submit_paper(user, papers[0].arxiv_id)
    submit_paper(user, papers[1].arxiv_id)
    with pytest.raises(SubmissionRejected, match="already submitted 2 papers today; the limit is 2 per day"):
        submit_paper(user, papers[2].arxiv_id)


def test_duplicates_are_refused(user: User, paper: Paper) -> None:
    submit_paper(user, paper.arxiv_id)
    other = make_user("bob")
    with pytest.raises(SubmissionRejected, match="already on the daily list"):
        submit_paper(other, paper.arxiv_id)


def test_staff_may_feature_any_paper(paper: Paper, settings) -> None:
    settings.SUBMISSIONS_PER_DAY = 0
    admin = make_user("admin", is_staff=True)
    old = make_paper(days_old=3000)
    FeaturedEntry.objects.create(paper=old, featured_on=dt.date(2020, 1, 1))
    assert submit_paper(admin, old.arxiv_id).entry.featured_on == timezone.now().date()
    with pytest.raises(SubmissionRejected, match="already on today's list"):
        submit_paper(admin, old.arxiv_id)


def test_unknown_paper_is_fetched_from_arxiv_and_saved(alice_client: Client) -> None:
    with mock.patch.object(submissions, "fetch_paper_record", return_value=_record("2601.09999", 2)) as fetch:
        response = alice_client.post(SUBMIT, {"arxiv": "arXiv:2601.09999v2"})
    fetch.assert_called_once_with("2601.09999")
    assert response.status_code == 302
    paper = Paper.objects.get(arxiv_id="2601.09999")
    assert paper.source == "submission" and paper.version == 2
    assert FeaturedEntry.objects.filter(paper=paper).exists()


def test_a_fetched_paper_that_breaks_a_rule_is_not_saved(user: User) -> None:
    with (
        mock.patch.object(submissions, "fetch_paper_record", return_value=_record("2601.08888", 60)),
        pytest.raises(SubmissionRejected, match="too old"),
    ):
        submit_paper(user, "2601.08888")
    assert not Paper.objects.filter(arxiv_id="2601.08888").exists()


def test_arxiv_unreachable_gives_a_clear_message_and_saves_nothing(alice_client: Client, settings) -> None:
    settings.LIVE_NETWORK = False  # the real fetch function, no mock: it must refuse cleanly
    response = alice_client.post(SUBMIT, {"arxiv": "2601.07777"})
    assert response.status_code == 400
    assert "arXiv is unreachable" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert not Paper.objects.exists() and not FeaturedEntry.objects.exists()


def test_network_errors_become_arxiv_unavailable(settings) -> None:
    import requests

    settings.LIVE_NETWORK = True
    with (
        mock.patch("requests.Session.get", side_effect=requests.ConnectionError("no route")) as get,
        pytest.raises(ArxivUnavailable, match="arXiv is unreachable"),
    ):
        submissions.fetch_paper_record("2601.07777")
    assert get.call_count == 1  # no retries while a user waits


@pytest.mark.parametrize("status", [429, 503, 500])
def test_arxiv_overload_becomes_arxiv_unavailable(settings, status: int) -> None:
    import requests

    settings.LIVE_NETWORK = True
    answer = requests.Response()
    answer.status_code = status
    answer.url = settings.ARXIV_API_URL
    with (
        mock.patch("requests.Session.get", return_value=answer),
        pytest.raises(ArxivUnavailable, match="arXiv is unreachable"),
    ):
        submissions.fetch_paper_record("2601.07777")


def test_a_live_answer_is_parsed(settings) -> None:
    import requests

    settings.LIVE_NETWORK = True
    answer = requests.Response()
    answer.status_code = 200
    answer._content = (DATA / "api-2104.12255v1.xml").read_bytes()
    with mock.patch("requests.Session.get", return_value=answer) as get:
        record = submissions.fetch_paper_record("2104.12255")
    assert record is not None and record.authors == ["Quan Thoi Minh Nguyen"]
    assert get.call_args.kwargs["params"]["id_list"] == "2104.12255"


def test_unknown_on_arxiv_too(user: User) -> None:
    with (
        mock.patch.object(submissions, "fetch_paper_record", return_value=None),
        pytest.raises(SubmissionRejected, match=r"arXiv has no paper with the id 2601\.06666"),
    ):
        submit_paper(user, "2601.06666")


@pytest.mark.parametrize(
    "parse", [submissions.parse_api_response, submissions._parse_with_feedparser], ids=["ingest", "fallback"]
)
def test_parse_recorded_api_answers(parse) -> None:
    record = parse((DATA / "api-2104.12255v1.xml").read_bytes(), "2104.12255")
    assert record is not None
    assert (record.arxiv_id, record.version, record.title) == ("2104.12255", 1, "0")
    assert record.authors == ["Quan Thoi Minh Nguyen"]
    assert record.primary_category == "cs.CR" and record.categories == ["cs.CR"]
    assert record.published_at == dt.datetime(2021, 4, 20, 16, 7, 14, tzinfo=dt.UTC)
    assert parse((DATA / "api-empty.xml").read_bytes(), "0000.0000") is None
    old = parse((DATA / "api-astro-ph-0601001.xml").read_bytes(), "astro-ph/0601001")
    assert old is not None and old.arxiv_id == "astro-ph/0601001"


def test_a_paper_known_only_by_its_announce_day_is_judged_by_that_day(user: User) -> None:
    today = timezone.now().date()
    recent = Paper.objects.create(
        arxiv_id="2602.00021", title="Listed", announced_on=today - dt.timedelta(days=3)
    )
    old = Paper.objects.create(
        arxiv_id="2602.00022", title="Listed", announced_on=today - dt.timedelta(days=40)
    )

    submit_paper(user, recent.arxiv_id)
    with pytest.raises(SubmissionRejected, match="too old"):
        submit_paper(user, old.arxiv_id)
