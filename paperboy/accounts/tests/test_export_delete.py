"""Self-service export (JSON, BibTeX) and account deletion with consistent vote counts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from paperboy.accounts.models import AuthorClaim
from paperboy.accounts.services import bibtex_entry, claim_authorship
from paperboy.accounts.tests.conftest import make_paper, make_user
from paperboy.comments.models import Comment, CommentReport
from paperboy.comments.services import post_comment, report_comment
from paperboy.papers.models import FeaturedEntry, Paper, Upvote
from paperboy.papers.services import set_upvote
from paperboy.papers.submissions import submit_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_user(user: User, paper: Paper) -> User:
    """alice upvoted two papers, commented, submitted one and claimed one authorship."""
    other = make_paper(
        "hep-th/9901001",
        title="Old & {Famous} 100% $x_1$",
        published_at=dt.datetime(1999, 1, 4, tzinfo=dt.UTC),
        doi="10.1/x",
    )
    set_upvote(user, paper, voted=True)
    set_upvote(user, other, voted=True)
    post_comment(user, paper, "Nice *result*")
    submit_paper(user, paper.arxiv_id)
    claim_authorship(user, paper, 1)
    return user


def test_json_export_holds_all_personal_data(alice_client: Client, busy_user: User) -> None:
    response = alice_client.get(reverse("accounts:export_json"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["format"] == "paperboy-export/1"
    assert data["account"]["username"] == "alice" and data["account"]["email"] == "alice@example.org"
    assert sorted(v["arxiv_id"] for v in data["upvotes"]) == ["2601.00001", "hep-th/9901001"]
    assert [s["arxiv_id"] for s in data["submissions"]] == ["2601.00001"]
    assert data["claims"][0]["author_name"] == "Alan Turing" and data["claims"][0]["status"] == "pending"
    assert data["comments"][0]["body"] == "Nice *result*"


def test_bibtex_export_has_one_arxiv_entry_per_upvote(alice_client: Client, busy_user: User) -> None:
    response = alice_client.get(reverse("accounts:export_bibtex"))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("@misc{") == 2
    assert "eprint = {2601.00001}" in text and "eprint = {hep-th/9901001}" in text
    assert text.count("archivePrefix = {arXiv}") == 2
    assert "author = {Ada Lovelace and Alan Turing and Grace Hopper}" in text
    assert "@misc{arXivhep_th_9901001," in text


def test_bibtex_entry_escapes_and_balances() -> None:
    paper = Paper(
        arxiv_id="hep-th/9901001",
        title="Old & {Famous} 100% $x_1$",
        authors=["A & B"],
        published_at=dt.datetime(1999, 1, 4, tzinfo=dt.UTC),
        primary_category="hep-th",
    )
    entry = bibtex_entry(paper)
    assert "title = {{Old \\& {Famous} 100\\% $x_1$}}" in entry
    assert "author = {A \\& B}" in entry and "year = {1999}" in entry and "primaryClass = {hep-th}" in entry
    unbalanced = bibtex_entry(Paper(arxiv_id="2601.00002", title="a } b {", authors=[]))
    assert "title = {{a  b }}" in unbalanced


def test_exports_need_log_in(client: Client) -> None:
    for name in ("accounts:export_json", "accounts:export_bibtex"):
        assert client.get(reverse(name)).status_code == 302


def test_delete_account_removes_personal_data_and_keeps_counts_consistent(
    alice_client: Client, busy_user: User, paper: Paper
) -> None:
    bob = make_user("bob")
    set_upvote(bob, paper, voted=True)
    bobs_comment = post_comment(bob, paper, "bob was here")
    report_comment(bobs_comment, busy_user, "spam")
    paper.refresh_from_db()
    assert paper.upvote_count == 3 + 2

    page = alice_client.get(reverse("accounts:delete"))
    assert page.status_code == 200 and b"cannot be undone" in page.content
    wrong = alice_client.post(reverse("accounts:delete"), {"password": "nope"})
    assert wrong.status_code == 400 and User.objects.filter(username="alice").exists()
    response = alice_client.post(reverse("accounts:delete"), {"password": "correct horse battery"})
    assert response.status_code == 302

    assert not User.objects.filter(username="alice").exists()
    assert not User.objects.filter(email="alice@example.org").exists()
    for p in Paper.objects.all():
        assert p.upvote_count == p.imported_upvote_count + Upvote.objects.filter(paper=p).count()
    paper.refresh_from_db()
    assert paper.upvote_count == 3 + 1  # bob's vote stays
    assert not Comment.objects.filter(body="Nice *result*").exists()
    assert not AuthorClaim.objects.exists()
    entry = FeaturedEntry.objects.get(paper=paper)
    assert entry.submitted_by is None and entry.submitter_name == ""
    report = CommentReport.objects.get()
    assert report.reporter is None and report.reason == "spam"  # moderators keep the report
    assert alice_client.get(reverse("accounts:me")).status_code == 302  # logged out


def test_export_file_names_carry_the_username(client: Client, settings) -> None:
    settings.SITE_NAME = "paperboy"
    client.force_login(make_user("mary.k+papers"))
    json_name = client.get(reverse("accounts:export_json"))["Content-Disposition"]
    bib_name = client.get(reverse("accounts:export_bibtex"))["Content-Disposition"]
    assert json_name == 'attachment; filename="paperboy-mary.k_papers.json"'
    assert bib_name == 'attachment; filename="paperboy-mary.k_papers.bib"'
