"""The template tags the paper pages and lists include."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.template import Context, Template
from django.test import RequestFactory

from paperboy.accounts.tests.conftest import make_paper
from paperboy.papers.models import Paper
from paperboy.papers.services import set_upvote

pytestmark = pytest.mark.django_db


def _render(source: str, user: object, **context: object) -> str:
    request = RequestFactory().get("/list")
    request.user = user  # type: ignore[attr-defined]
    return Template("{% load community_tags comments_tags %}" + source).render(
        Context({"request": request, **context})
    )


def test_list_pages_look_votes_up_once(user: User, paper: Paper, django_assert_num_queries) -> None:
    others = [make_paper() for _ in range(5)]
    set_upvote(user, others[2], voted=True)
    papers = [paper, *others]
    source = "{% upvoted_ids papers as voted_ids %}{% for p in papers %}{% upvote_button p voted_ids=voted_ids %}{% endfor %}"
    with django_assert_num_queries(1):
        html = _render(source, user, papers=papers)
    assert html.count('aria-pressed="true"') == 1 and html.count('aria-pressed="false"') == 5
    assert 'name="next" value="/list"' in html


def test_anonymous_sees_buttons_and_a_log_in_link(paper: Paper) -> None:
    html = _render(
        "{% upvote_button paper %}{% claim_panel paper %}{% comment_thread paper %}",
        AnonymousUser(),
        paper=paper,
    )
    assert 'aria-pressed="false"' in html
    assert "Log in</a> to comment" in html
    assert "Claim authorship" not in html


def test_signed_in_user_gets_the_forms(user: User, paper: Paper) -> None:
    html = _render(
        "{% upvote_button paper %}{% claim_panel paper %}{% comment_thread paper %}", user, paper=paper
    )
    assert "Claim authorship" in html and "Grace Hopper" in html
    assert "Post comment" in html
