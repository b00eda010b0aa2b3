"""A comment holding one long unbroken word must wrap, not widen the paper page (real Chromium)."""

from __future__ import annotations

import pytest

from paperboy.accounts.tests.conftest import make_paper, make_user
from paperboy.comments.services import post_comment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


def test_long_unbroken_word_in_a_comment_does_not_widen_the_page(live_server, browser) -> None:
    paper = make_paper("2601.00077", title="Wrapping Matters")
    author = make_user("wordy")
    post_comment(author, paper, "see " + "x" * 3000 + " end")
    for width in (1100, 390):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(f"{live_server.url}{paper.get_absolute_url()}")
        assert page.locator(".comment-body").count() == 1
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        context.close()
        assert scroll_width <= width, (width, scroll_width)
