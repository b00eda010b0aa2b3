"""Sign-up with e-mail confirmation, log-in, password reset, and no account enumeration."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from paperboy.accounts.models import Profile
from paperboy.accounts.services import suspend_user
from paperboy.accounts.tests.conftest import make_user

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "newbie",
    "email": "newbie@example.org",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def _link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://\S+/accounts/confirm/\S+", message.body)
    assert match, message.body
    return match.group(0).split("testserver", 1)[-1].replace("http://127.0.0.1:8000", "")


def test_signup_creates_an_inactive_user_and_sends_a_confirmation_link(client: Client, settings) -> None:
    settings.SITE_URL = "http://testserver"
    response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_done")
    user = User.objects.get(username="newbie")
    assert not user.is_active
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newbie@example.org"]
    assert "Confirm your e-mail address" in mail.outbox[0].subject
    assert not client.login(username="newbie", password=SIGNUP["password1"])


def test_confirmation_link_shows_a_button_and_only_the_post_activates(client: Client, settings) -> None:
    settings.SITE_URL = "http://testserver"
    client.post(reverse("accounts:signup"), SIGNUP)
    link = _link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert b"Confirm and log in" in page.content
    assert not User.objects.get(username="newbie").is_active  # a GET (mail scanner) confirms nothing
    response = client.post(link)
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.is_active
    assert Profile.objects.get(user=user).email_confirmed_at is not None
    assert client.get(reverse("accounts:me")).status_code == 302  # logged in: redirects to the profile
    assert client.post(link).status_code == 400  # used once only


def test_login_works_with_email_or_username_after_confirmation(client: Client) -> None:
    make_user("carol", password="pw-carol-123")
    assert client.login(username="carol@EXAMPLE.org", password="pw-carol-123")
    client.logout()
    assert client.login(username="carol", password="pw-carol-123")
    assert not client.login(username="carol", password="wrong")


def test_signup_with_a_registered_email_answers_the_same_and_mails_the_owner(
    client: Client, settings
) -> None:
    settings.SITE_URL = "http://testserver"
    make_user("owner")
    fresh = client.post(
        reverse("accounts:signup"), {**SIGNUP, "username": "fresh", "email": "fresh@example.org"}
    )
    taken = client.post(
        reverse("accounts:signup"), {**SIGNUP, "username": "other", "email": "OWNER@example.org"}
    )
    assert fresh.status_code == taken.status_code == 302
    assert fresh["Location"] == taken["Location"]
    done_fresh = client.get(fresh["Location"]).content
    assert done_fresh == client.get(taken["Location"]).content
    assert not User.objects.filter(username="other").exists()
    assert [m.to for m in mail.outbox] == [["fresh@example.org"], ["owner@example.org"]]
    assert "already has an account" in mail.outbox[1].body
    assert "/accounts/confirm/" not in mail.outbox[1].body


def test_signup_again_before_confirming_replaces_the_password_and_old_link(client: Client, settings) -> None:
    settings.SITE_URL = "http://testserver"
    client.post(reverse("accounts:signup"), SIGNUP)
    first = _link(mail.outbox[0])
    client.post(
        reverse("accounts:signup"),
        {**SIGNUP, "password1": "another passphrase!", "password2": "another passphrase!"},
    )
    second = _link(mail.outbox[1])
    assert client.post(first).status_code == 400
    assert client.post(second).status_code == 302
    assert User.objects.get(username="newbie").check_password("another passphrase!")


def test_taken_username_is_reported_but_email_never_is(client: Client) -> None:
    make_user("dave")
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "username": "Dave"})
    assert response.status_code == 200
    assert b"This username is taken" in response.content
    assert len(mail.outbox) == 0


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client: Client, settings) -> None:
    settings.SITE_URL = "http://testserver"
    make_user("erin")
    known = client.post(reverse("accounts:password_reset"), {"email": "erin@example.org"}, follow=True)
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["erin@example.org"]
    match = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body)
    assert match
    form_page = client.get(match.group(1), follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand new secret 1", "new_password2": "brand new secret 1"},
    )
    assert done.status_code == 302
    assert client.login(username="erin", password="brand new secret 1")


def test_a_suspended_user_cannot_log_in_and_loses_the_session(client: Client) -> None:
    frank = make_user("frank", password="pw-frank-123")
    assert client.login(username="frank", password="pw-frank-123")
    suspend_user(frank, reason="spam")
    assert client.get(reverse("accounts:me")).url.startswith(reverse("accounts:login"))
    assert not client.login(username="frank", password="pw-frank-123")


def test_bad_confirmation_links_are_rejected(client: Client) -> None:
    assert client.get(reverse("accounts:confirm", args=["xx", "bad-token"])).status_code == 400
    assert client.post(reverse("accounts:confirm", args=["MQ", "1-abc"])).status_code == 400


def test_smtp_failure_gives_a_clear_message(client: Client, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response.status_code == 503
    assert b"could not send the e-mail" in response.content


def test_expired_unconfirmed_accounts_are_purged_and_free_their_username(client: Client, settings) -> None:
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    client.post(reverse("accounts:signup"), SIGNUP)
    make_user("confirmed-old")
    User.objects.update(
        date_joined=timezone.now() - dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    )
    call_command("purge_unconfirmed_accounts", "--dry-run")
    assert User.objects.filter(username="newbie").exists()
    call_command("purge_unconfirmed_accounts")
    assert not User.objects.filter(username="newbie").exists()
    assert User.objects.filter(username="confirmed-old").exists()
