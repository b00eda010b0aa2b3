"""GET on a POST-only action URL: a friendly 405 page (status and Allow kept); CSRF failure: a friendly 403."""

from __future__ import annotations

import pytest
from django.test import Client

from paperboy.comments.services import post_comment

pytestmark = pytest.mark.django_db


def test_get_on_post_only_actions_renders_the_405_page(alice_client: Client, user, paper) -> None:
    comment = post_comment(user, paper, "hello")
    for url in (
        "/accounts/logout",
        f"/upvote/{paper.arxiv_id}",
        f"/claim/{paper.arxiv_id}",
        f"/comments/new/{paper.arxiv_id}",
        f"/comments/{comment.pk}/delete",
    ):
        response = alice_client.get(url)
        assert response.status_code == 405, url
        assert "POST" in response["Allow"], url
        html = response.content.decode()
        assert "This address is an action, not a page" in html, url
        assert url in html


def test_api_405_is_left_to_the_api(client: Client) -> None:
    response = client.get("/api/papers/submit")
    assert response.status_code == 405
    assert "405.html" not in [t.name for t in response.templates]


def test_csrf_failure_renders_the_friendly_403(csrf_client: Client, paper) -> None:
    response = csrf_client.post(f"/upvote/{paper.arxiv_id}", {"value": "1"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html
    assert 'class="account-nav"' in html and "alice" in html  # rendered with the request (signed-in header)
    assert "403_csrf.html" in [t.name for t in response.templates]
