"""Account, comment and token pages show the account links and flash messages once (base.html does it)."""

from __future__ import annotations

from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory

from paperboy.api.tokens import create_token
from paperboy.comments.services import post_comment


def _flash(client, text: str) -> None:
    """Store a flash message in the client's cookie, as a previous redirect would have."""
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value


def test_profile_page_renders_nav_and_messages_once(alice_client, user, settings):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
    _flash(alice_client, "Hello once.")
    html = alice_client.get(f"/accounts/users/{user.username}").content.decode()
    assert html.count("Hello once.") == 1
    assert html.count('class="account-nav"') == 1
    assert html.count("css/community.css") == 1


def test_comment_edit_and_login_pages_have_one_nav(alice_client, client, user, paper):
    comment = post_comment(user, paper, "first!")
    html = alice_client.get(f"/comments/{comment.pk}/edit").content.decode()
    assert html.count('class="account-nav"') == 1
    assert client.get("/accounts/login").content.decode().count('class="account-nav"') == 1


def test_token_revoked_message_shows_once(alice_client, user):
    new = create_token(user, "old")
    page = alice_client.post("/settings/tokens", {"action": "revoke", "token_id": new.token.pk}, follow=True)
    assert page.content.decode().count("Token revoked.") == 1
