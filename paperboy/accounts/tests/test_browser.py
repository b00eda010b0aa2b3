"""The whole path of a new user in a real browser (Playwright + Debian Chromium).

Sign up, read the confirmation e-mail from a real SMTP server (aiosmtpd on 127.0.0.1), confirm, upvote
(in place, with JavaScript), comment, submit a paper (only the arXiv fetch is mocked: no network),
claim authorship (an admin approves it in the Django admin), export JSON and BibTeX, delete the account.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from paperboy.accounts.models import AuthorClaim
from paperboy.accounts.tests.conftest import make_paper, make_user
from paperboy.comments.models import Comment
from paperboy.papers import submissions
from paperboy.papers.models import FeaturedEntry, Paper, Upvote
from paperboy.papers.services import PaperRecord

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "a long and happy passphrase"


def test_new_user_walks_the_whole_path(
    live_server, smtp_server, browser, settings, monkeypatch, tmp_path: Path
) -> None:
    settings.SITE_URL = live_server.url
    paper = make_paper(
        "2601.00042", title="Attention Is Still All You Need", imported_upvote_count=3, upvote_count=3
    )
    fetched = PaperRecord(
        arxiv_id="2601.05555",
        title="A Freshly Submitted Paper",
        authors=["Nia New"],
        version=1,
        published_at=timezone.now() - dt.timedelta(days=2),
        updated_at=timezone.now() - dt.timedelta(days=2),
    )
    monkeypatch.setattr(
        submissions, "fetch_paper_record", lambda arxiv_id: fetched if arxiv_id == "2601.05555" else None
    )
    panel = f"{live_server.url}/community/{paper.arxiv_id}"

    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)

    # 1. sign up
    page.goto(f"{live_server.url}/accounts/signup")
    page.fill("input[name=username]", "newbie")
    page.fill("input[name=email]", "newbie@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("button[type=submit]:has-text('Create account')")
    page.wait_for_selector("#signup-done")
    assert not User.objects.get(username="newbie").is_active

    # 2. the confirmation link, read from the SMTP server
    message = smtp_server.wait_for("newbie@example.org")
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http://\S+/accounts/confirm/\S+)", body).group(1)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.click("#confirm-button")
    page.wait_for_url(re.compile(r"/accounts/users/newbie$"))
    assert "Your e-mail address is confirmed" in page.content()

    # 3. upvote: JavaScript updates the button in place (no navigation)
    page.goto(panel)
    count = page.locator("form[data-upvote] [data-count]")
    assert count.inner_text() == "3"
    page.click("form[data-upvote] button")
    # expect() polls from Playwright's side: a string predicate (wait_for_function) would need eval, which
    # our Content-Security-Policy (script-src 'self') rightly forbids.
    expect(count).to_have_text("4")
    assert page.url == panel
    assert page.locator("form[data-upvote] .upvote-label").inner_text() == "Upvoted"
    page.reload()
    assert count.inner_text() == "4"
    assert Upvote.objects.filter(user__username="newbie", paper=paper).count() == 1

    # 4. comment (Markdown subset)
    page.fill("#comment-body", "Great **results**, see [code](https://example.org/code)")
    page.click("button:has-text('Post comment')")
    page.wait_for_selector(".comment .comment-body strong")
    assert page.locator(".comment .comment-body strong").inner_text() == "results"
    assert Comment.objects.get(author__username="newbie").paper == paper
    page.screenshot(path=str(tmp_path / "paper-panel.png"), full_page=True)

    # 5. submit a paper that is not in the database yet (arXiv fetch mocked)
    page.goto(f"{live_server.url}/submit")
    assert "at most 14 days old" in page.content()
    page.fill("input[name=arxiv]", "https://arxiv.org/abs/2601.05555v1")
    page.click("button:has-text('Submit')")
    page.wait_for_load_state()
    entry = FeaturedEntry.objects.get(paper__arxiv_id="2601.05555")
    assert entry.submitted_by.username == "newbie"

    # 6. claim authorship; an admin approves it in the Django admin
    page.goto(panel)
    page.click("summary:has-text('Are you an author')")
    page.select_option("#claim-author", label="Alan Turing")
    page.click("button:has-text('Claim authorship')")
    page.wait_for_selector("text=waiting for an admin")
    make_user("root", password="root-password-1", is_staff=True, is_superuser=True)
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    admin.goto(f"{live_server.url}/admin/login/?next=/admin/accounts/authorclaim/")
    admin.fill("#id_username", "root")
    admin.fill("#id_password", "root-password-1")
    admin.click("input[type=submit]")
    admin.check("input[name=_selected_action]")
    admin.select_option("select[name=action]", "approve")
    admin.click("button[name=index]")
    admin.wait_for_selector("text=Approved 1 claim")
    assert AuthorClaim.objects.get().status == "approved"
    admin_context.close()
    page.goto(panel)
    assert "Alan Turing (newbie)" in page.locator(".claimed-authors").inner_text()

    # 7. profile and export
    page.goto(f"{live_server.url}/accounts/users/newbie")
    assert "A Freshly Submitted Paper" in page.locator("#submitted").inner_text()
    assert "as Alan Turing" in page.locator("#claimed").inner_text()
    with page.expect_download() as download_info:
        page.click("#export-json")
    data = json.loads(Path(download_info.value.path()).read_text())
    assert [v["arxiv_id"] for v in data["upvotes"]] == ["2601.00042"]
    assert data["comments"][0]["body"].startswith("Great **results**")
    assert data["account"]["email"] == "newbie@example.org"
    with page.expect_download() as download_info:
        page.click("#export-bib")
    bibtex = Path(download_info.value.path()).read_text()
    assert "eprint = {2601.00042}" in bibtex and "archivePrefix = {arXiv}" in bibtex
    page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)

    # 8. delete the account
    page.click("#delete-account")
    page.fill("input[name=password]", PASSWORD)
    page.click("#delete-confirm")
    page.wait_for_load_state()
    assert not User.objects.filter(username="newbie").exists()
    paper.refresh_from_db()
    assert paper.upvote_count == 3 == paper.imported_upvote_count + paper.upvotes.count()
    assert not Comment.objects.exists()
    assert Paper.objects.filter(arxiv_id="2601.05555").exists()  # the submitted paper stays listed
    context.close()


def test_upvote_from_the_daily_list_card_in_place(live_server, browser) -> None:
    """The card's vote box is a button: it counts the reader's vote in place and keeps it on reload."""
    today = timezone.localdate()
    liked = make_paper(title="A Paper Worth A Vote", imported_upvote_count=5, upvote_count=5)
    other = make_paper(title="Another Paper Of The Day", imported_upvote_count=9, upvote_count=9)
    for p in (liked, other):
        FeaturedEntry.objects.create(paper=p, featured_on=today)
    make_user("voter", password=PASSWORD)

    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)

    # Anonymous: the button leads to the log-in page and comes back to the list.
    page.goto(f"{live_server.url}/")
    card = page.locator(f"article[data-arxiv-id='{liked.arxiv_id}']")
    expect(card.locator("[data-count]")).to_have_text("5")
    card.locator("form[data-upvote] button").click()
    page.wait_for_url(re.compile(r"/accounts/login"))
    page.fill("input[name=username]", "voter")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(re.compile(r"/$"))

    card = page.locator(f"article[data-arxiv-id='{liked.arxiv_id}']")
    card.locator("form[data-upvote] button").click()
    expect(card.locator("[data-count]")).to_have_text("6")
    expect(card.locator("form[data-upvote]")).to_have_class(re.compile(r"\bvoted\b"))
    assert Upvote.objects.filter(user__username="voter", paper=liked).count() == 1

    page.reload()
    card = page.locator(f"article[data-arxiv-id='{liked.arxiv_id}']")
    expect(card.locator("[data-count]")).to_have_text("6")
    expect(card.locator("button")).to_have_attribute("aria-pressed", "true")
    # Clicking again takes the vote back.
    card.locator("form[data-upvote] button").click()
    expect(card.locator("[data-count]")).to_have_text("5")
    assert not Upvote.objects.filter(user__username="voter", paper=liked).exists()
    context.close()
