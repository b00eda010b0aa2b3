"""Comments: the safe Markdown subset, edit/delete own, reports, moderator actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from paperboy.accounts.tests.conftest import make_user
from paperboy.comments.models import Comment, CommentReport
from paperboy.comments.services import post_comment, render_markdown
from paperboy.papers.models import Paper

pytestmark = pytest.mark.django_db


def test_markdown_subset_is_rendered_and_everything_else_sanitized() -> None:
    html = render_markdown(
        "**bold** *it* `x<y` [ok](https://example.org) [bad](javascript:alert(1))\n\n"
        "<script>alert(1)</script><img src=x onerror=alert(1)><b onclick=x>b</b>\n\n> quote\n\n- one\n- two"
    )
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html and "<code>x&lt;y</code>" in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener noreferrer">ok</a>' in html
    assert "javascript:" not in html and "<script" not in html and "alert(1)</" not in html
    assert "<img" not in html and "onerror" not in html and "onclick" not in html
    assert "<blockquote>" in html and "<li>one</li>" in html


def test_post_edit_delete_own_comment(alice_client: Client, user: User, paper: Paper) -> None:
    panel = reverse("community:paper", args=[paper.arxiv_id])
    response = alice_client.post(
        reverse("comments:post", args=[paper.arxiv_id]),
        {"body": "Hello **world** <script>x</script>", "next": panel},
    )
    assert response.status_code == 302 and response["Location"] == panel
    comment = Comment.objects.get()
    assert comment.author == user and "<strong>world</strong>" in comment.body_html
    page = alice_client.get(panel).content.decode()
    assert "<strong>world</strong>" in page and "<script>x</script>" not in page

    edit_url = reverse("comments:edit", args=[comment.pk])
    assert alice_client.get(edit_url).status_code == 200
    assert alice_client.post(edit_url, {"body": "Changed", "next": panel})["Location"] == panel
    comment.refresh_from_db()
    assert comment.body == "Changed" and comment.edited_at is not None

    assert (
        alice_client.post(reverse("comments:delete", args=[comment.pk]), {"next": panel}).status_code == 302
    )
    assert not Comment.objects.exists()


def test_empty_comment_is_refused(alice_client: Client, paper: Paper) -> None:
    alice_client.post(reverse("comments:post", args=[paper.arxiv_id]), {"body": "   "})
    assert not Comment.objects.exists()


def test_others_comments_cannot_be_edited_or_deleted(alice_client: Client, paper: Paper) -> None:
    theirs = post_comment(make_user("bob"), paper, "bob's")
    assert alice_client.get(reverse("comments:edit", args=[theirs.pk])).status_code == 404
    assert alice_client.post(reverse("comments:edit", args=[theirs.pk]), {"body": "x"}).status_code == 404
    assert alice_client.post(reverse("comments:delete", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.body == "bob's"


def test_report_then_moderator_hides_and_suspends(alice_client: Client, paper: Paper) -> None:
    bob = make_user("bob", password="pw-bob-1234")
    bad = post_comment(bob, paper, "buy pills")
    report_url = reverse("comments:report", args=[bad.pk])
    assert alice_client.get(report_url).status_code == 200
    assert alice_client.post(report_url, {"reason": "spam"}).status_code == 302
    second = alice_client.post(report_url, {"reason": "spam again"})
    assert second.status_code == 400 and b"already reported" in second.content
    report = CommentReport.objects.get()
    assert report.status == "open" and report.reason == "spam"

    moderator = Client()
    moderator.force_login(make_user("mod", is_staff=True, is_superuser=True))
    changelist = moderator.get(reverse("admin:comments_commentreport_changelist"))
    assert changelist.status_code == 200 and b"buy pills" in changelist.content
    url = reverse("admin:comments_commentreport_changelist")
    moderator.post(url, {"action": "hide_comments", "_selected_action": [report.pk]})
    bad.refresh_from_db()
    report.refresh_from_db()
    assert bad.hidden and report.status == "resolved"
    assert b"buy pills" not in Client().get(reverse("community:paper", args=[paper.arxiv_id])).content

    bob_client = Client()
    assert bob_client.login(username="bob", password="pw-bob-1234")
    moderator.post(url, {"action": "suspend_comment_authors", "_selected_action": [report.pk]})
    bob.refresh_from_db()
    assert not bob.is_active and bob.profile.suspended_at is not None
    response = bob_client.post(reverse("comments:post", args=[paper.arxiv_id]), {"body": "again"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not Comment.objects.filter(body="again").exists()


def test_own_comment_cannot_be_reported(alice_client: Client, user: User, paper: Paper) -> None:
    mine = post_comment(user, paper, "mine")
    response = alice_client.post(reverse("comments:report", args=[mine.pk]), {"reason": "x"})
    assert response.status_code == 400 and not CommentReport.objects.exists()
