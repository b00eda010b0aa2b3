"""Every endpoint that changes data refuses a POST without CSRF token (403) and never acts on a GET.

Pure actions (upvote, claim, post/delete comment, log out) answer GET with 405. Pages with a form
(sign-up, log-in, reset, confirm, delete account, submit, edit/report comment) show the form on GET
and change nothing. Each case records the database state before and checks it after.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from paperboy.accounts.models import AuthorClaim
from paperboy.accounts.services import confirmation_url
from paperboy.accounts.tests.conftest import make_user
from paperboy.comments.models import Comment, CommentReport
from paperboy.comments.services import post_comment
from paperboy.papers.models import FeaturedEntry, Paper, Upvote

pytestmark = pytest.mark.django_db


def _state() -> tuple[object, ...]:
    return (
        User.objects.count(),
        User.objects.filter(is_active=True).count(),
        sorted(User.objects.values_list("password", flat=True)),
        Upvote.objects.count(),
        list(Paper.objects.values_list("upvote_count", flat=True)),
        AuthorClaim.objects.count(),
        sorted(Comment.objects.values_list("body", flat=True)),
        CommentReport.objects.count(),
        FeaturedEntry.objects.count(),
        len(mail.outbox),
    )


@pytest.fixture
def world(user: User, paper: Paper) -> dict[str, object]:
    """alice (logged in below), bob's comment, alice's comment, an unconfirmed account with its link."""
    bob = make_user("bob")
    unconfirmed = User.objects.create_user("pending", "pending@example.org", "pw", is_active=False)
    return {
        "paper": paper,
        "own_comment": post_comment(user, paper, "mine"),
        "other_comment": post_comment(bob, paper, "theirs"),
        "confirm": confirmation_url(unconfirmed).split("8000", 1)[-1],
    }


POST_ONLY: dict[str, tuple[Callable[[dict], str], dict[str, str]]] = {
    "upvote": (lambda w: reverse("community:upvote", args=[w["paper"].arxiv_id]), {"value": "1"}),
    "claim": (lambda w: reverse("community:claim", args=[w["paper"].arxiv_id]), {"author_index": "0"}),
    "comment": (lambda w: reverse("comments:post", args=[w["paper"].arxiv_id]), {"body": "new"}),
    "delete comment": (lambda w: reverse("comments:delete", args=[w["own_comment"].pk]), {}),
    "logout": (lambda w: reverse("accounts:logout"), {}),
}
FORM_PAGES: dict[str, tuple[Callable[[dict], str], dict[str, str]]] = {
    "signup": (
        lambda w: reverse("accounts:signup"),
        {
            "username": "zed",
            "email": "zed@example.org",
            "password1": "long pass phrase",
            "password2": "long pass phrase",
        },
    ),
    "login": (
        lambda w: reverse("accounts:login"),
        {"username": "alice", "password": "correct horse battery"},
    ),
    "password reset": (lambda w: reverse("accounts:password_reset"), {"email": "alice@example.org"}),
    "confirm e-mail": (lambda w: w["confirm"], {}),
    "delete account": (lambda w: reverse("accounts:delete"), {"password": "correct horse battery"}),
    "submit paper": (lambda w: reverse("community:submit"), {"arxiv": "2601.00001"}),
    "edit comment": (lambda w: reverse("comments:edit", args=[w["own_comment"].pk]), {"body": "changed"}),
    "report comment": (
        lambda w: reverse("comments:report", args=[w["other_comment"].pk]),
        {"reason": "spam"},
    ),
}
ANONYMOUS = {"signup", "login", "password reset", "confirm e-mail"}


def _client(name: str, user: User, *, csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if name not in ANONYMOUS:
        client.force_login(user)
    return client


@pytest.mark.parametrize("name", sorted({**POST_ONLY, **FORM_PAGES}))
def test_post_without_csrf_token_is_refused(name: str, world: dict, user: User) -> None:
    url_for, data = {**POST_ONLY, **FORM_PAGES}[name]
    client = _client(name, user, csrf=True)
    before = _state()
    response = client.post(url_for(world), data)
    assert response.status_code == 403
    assert _state() == before


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_get_on_an_action_is_405(name: str, world: dict, user: User) -> None:
    url_for, _ = POST_ONLY[name]
    before = _state()
    assert _client(name, user, csrf=False).get(url_for(world)).status_code == 405
    assert _state() == before


@pytest.mark.parametrize("name", sorted(FORM_PAGES))
def test_get_on_a_form_page_shows_the_form_and_changes_nothing(name: str, world: dict, user: User) -> None:
    url_for, _ = FORM_PAGES[name]
    before = _state()
    response = _client(name, user, csrf=False).get(url_for(world))
    assert response.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert _state() == before


@pytest.mark.parametrize("name", sorted({**POST_ONLY, **FORM_PAGES}))
def test_put_and_delete_are_405(name: str, world: dict, user: User) -> None:
    url_for, _ = {**POST_ONLY, **FORM_PAGES}[name]
    client = _client(name, user, csrf=False)
    assert client.put(url_for(world)).status_code == 405
    assert client.delete(url_for(world)).status_code == 405


@pytest.mark.parametrize("name", sorted({**POST_ONLY, **FORM_PAGES}))
def test_the_same_post_with_a_token_does_act(name: str, world: dict, user: User) -> None:
    """Control for the CSRF test: with a valid token the request goes through and changes something."""
    url_for, data = {**POST_ONLY, **FORM_PAGES}[name]
    client = _client(name, user, csrf=True)
    client.get(reverse("accounts:login" if name in ANONYMOUS else "community:submit"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    before = _state()
    response = client.post(url_for(world), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    if name == "login":
        assert client.session.get("_auth_user_id") == str(user.pk)
    elif name == "logout":
        assert "_auth_user_id" not in client.session
    else:
        assert _state() != before
