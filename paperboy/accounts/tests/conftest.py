"""Fixtures for the community tests (accounts, upvotes, comments, submissions, claims)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from paperboy.accounts.models import Profile
from paperboy.papers.models import Paper

_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Rate-limit counters live in the local-memory cache: start every test from zero."""
    cache.clear()


def make_user(username: str = "", *, password: str = "correct horse battery", **extra: object) -> User:
    """An active, confirmed user."""
    username = username or f"user{next(_ids)}"
    user = User.objects.create_user(username, f"{username}@example.org", password, **extra)  # type: ignore[arg-type]
    Profile.objects.create(user=user, email_confirmed_at=timezone.now())
    return user


def make_paper(arxiv_id: str = "", *, days_old: int = 1, **fields: object) -> Paper:
    arxiv_id = arxiv_id or f"2602.{next(_ids):05d}"  # the fixtures use 2601.*
    when = timezone.now() - dt.timedelta(days=days_old)
    defaults: dict[str, object] = {
        "title": f"Paper {arxiv_id}",
        "authors": ["Ada Lovelace", "Alan Turing", "Grace Hopper"],
        "primary_category": "cs.LG",
        "categories": ["cs.LG"],
        "published_at": when,
        "updated_at": when,
    }
    defaults.update(fields)
    return Paper.objects.create(arxiv_id=arxiv_id, **defaults)  # type: ignore[arg-type]


@pytest.fixture
def user(db: None) -> User:
    """An active, confirmed user "alice" (password "correct horse battery")."""
    return make_user("alice")


@pytest.fixture
def paper(db: None) -> Paper:
    """A paper published yesterday with three authors and 3 imported upvotes."""
    return make_paper("2601.00001", imported_upvote_count=3, upvote_count=3)


@pytest.fixture
def alice_client(user: User) -> Client:
    """A client logged in as alice."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def csrf_client(user: User) -> Client:
    """A client logged in as alice that enforces CSRF checks (as browsers get)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


# --- browser tests: a real SMTP server (the browser fixture is in the root conftest.py) ------------


class SmtpInbox:
    """Messages received by the aiosmtpd server, parsed (``email.message.EmailMessage``)."""

    def __init__(self) -> None:
        self.messages: list[object] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, *, timeout_seconds: float = 10.0) -> object:
        """The first message addressed to ``to``; waits for it to arrive."""
        import time

        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            for message in self.messages:
                if to in message["To"]:  # type: ignore[index]
                    return message
            time.sleep(0.05)
        raise AssertionError(
            f"no e-mail to {to} within {timeout_seconds} s; got {len(self.messages)} message(s)"
        )


@pytest.fixture
def smtp_server(settings) -> object:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; Django's SMTP backend sends to it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
