"""Personal API tokens: hashed at rest, bearer auth for upvotes, revocation, the token page."""

from __future__ import annotations

import hashlib

import pytest

from paperboy.api.models import ApiToken
from paperboy.api.tokens import create_token
from paperboy.papers.models import Paper, Upvote


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.org", "correct horse battery")


def test_token_is_stored_only_as_a_hash(alice):
    new = create_token(alice, "script")
    row = ApiToken.objects.get(pk=new.token.pk)
    assert new.secret.startswith("pb_") and len(new.secret) > 40
    assert row.hashed_key == hashlib.sha256(new.secret.encode()).hexdigest()
    assert not any(new.secret in str(value) for value in ApiToken.objects.values().get().values())
    assert row.prefix == new.secret[:10]


def test_bearer_token_upvotes_and_unvotes(client, corpus, alice):
    paper = Paper.objects.get(arxiv_id="hep-th/9901001")
    secret = create_token(alice, "script").secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = client.post("/api/papers/hep-th/9901001/upvote", **auth)
    assert response.status_code == 200
    assert response.json() == {"paper": "hep-th/9901001", "upvoted": True, "upvotes": paper.upvote_count + 1}
    assert Upvote.objects.filter(user=alice, paper=paper).count() == 1
    again = client.post("/api/papers/hep-th/9901001/upvote", **auth)
    assert again.json()["upvotes"] == paper.upvote_count + 1
    assert client.get("/api/papers/hep-th/9901001").json()["upvotes"] == paper.upvote_count + 1
    removed = client.delete("/api/papers/hep-th/9901001/upvote", **auth)
    assert removed.json() == {"paper": "hep-th/9901001", "upvoted": False, "upvotes": paper.upvote_count}
    assert not Upvote.objects.filter(user=alice).exists()
    assert ApiToken.objects.get().last_used_at is not None


def test_missing_wrong_or_revoked_token_gets_401(client, corpus, alice):
    assert client.post("/api/papers/hep-th/9901001/upvote").status_code == 401
    wrong = client.post("/api/papers/hep-th/9901001/upvote", HTTP_AUTHORIZATION="Bearer pb_wrong")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid or revoked API token"
    new = create_token(alice, "old")
    client.force_login(alice)
    page = client.post("/settings/tokens", {"action": "revoke", "token_id": new.token.pk})
    assert page.status_code == 302
    client.logout()
    response = client.post("/api/papers/hep-th/9901001/upvote", HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    assert response.status_code == 401
    assert not Upvote.objects.exists()


def test_session_auth_needs_the_csrf_token(corpus, alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    refused = client.post("/api/papers/hep-th/9901001/upvote")
    assert refused.status_code in (401, 403)
    client.get("/settings/tokens")
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/papers/hep-th/9901001/upvote", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert accepted.json()["upvoted"] is True


def test_token_page_creates_shows_once_and_revokes(client, alice, django_user_model):
    assert client.get("/settings/tokens").status_code == 302  # login required
    client.force_login(alice)
    created = client.post("/settings/tokens", {"action": "create", "name": "feed reader"})
    assert created.status_code == 302 and created["Location"] == "/settings/tokens"
    row = ApiToken.objects.get(user=alice)
    html = client.get("/settings/tokens").content.decode()
    secret = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert hashlib.sha256(secret.encode()).hexdigest() == row.hashed_key
    listing = client.get("/settings/tokens").content.decode()
    assert "feed reader" in listing and row.prefix in listing and secret not in listing
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "another password")
    client.force_login(bob)
    client.post("/settings/tokens", {"action": "revoke", "token_id": row.pk})
    row.refresh_from_db()
    assert row.revoked_at is None  # bob cannot revoke alice's token
    client.force_login(alice)
    client.post("/settings/tokens", {"action": "revoke", "token_id": row.pk})
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_profile_page_links_the_token_page(client, alice):
    client.force_login(alice)
    html = client.get(f"/accounts/users/{alice.username}").content.decode()
    assert 'href="/settings/tokens" id="api-tokens"' in html
    assert 'href="/api/docs"' in html


def test_authorization_header_means_token_only_and_401_without_csrf(corpus, alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = "/api/papers/hep-th/9901001/upvote"
    anonymous = client.post(url)
    assert anonymous.status_code == 401
    for header in ("Bearer pb_wrong", "Bearer ", "Token abc", "Bearer nope"):
        response = client.post(url, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert "token" in response.json()["error"].lower()
        assert "CSRF" not in response.json()["error"]
    new = create_token(alice, "script")
    ok = client.post(url, HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    assert ok.status_code == 200 and ok.json()["upvoted"] is True
    from paperboy.api.tokens import revoke_token

    revoke_token(alice, new.token.pk)
    revoked = client.post(url, HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    assert revoked.status_code == 401
    assert revoked.json() == {"error": "invalid or revoked API token"}
    # A signed-in session with a bad header is still refused: the header wins.
    client.force_login(alice)
    assert client.post(url, HTTP_AUTHORIZATION="Bearer pb_wrong").status_code == 401


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/no-such-thing/here")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "/api/no-such-thing/here" in response.json()["error"]


def test_token_create_redirects_and_a_reload_neither_creates_nor_shows_again(client, alice):
    client.force_login(alice)
    page = client.post("/settings/tokens", {"action": "create", "name": "once"}, follow=True)
    assert page.redirect_chain == [("/settings/tokens", 302)]
    assert page.content.decode().count('<code id="new-token">') == 1
    reload = client.get("/settings/tokens").content.decode()
    assert '<code id="new-token">' not in reload
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_token_name_longer_than_100_is_refused(client, alice):
    from django.core.exceptions import ValidationError

    client.force_login(alice)
    response = client.post("/settings/tokens", {"action": "create", "name": "n" * 101})
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()
    assert not ApiToken.objects.exists()
    with pytest.raises(ValidationError):
        create_token(alice, "n" * 101)
    assert create_token(alice, "n" * 100).token.name == "n" * 100
