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


@pytest.fixture(autouse=True)
def _plain_static_storage(settings) -> None:
    """The admin renders {% static %}; without collectstatic there is no whitenoise manifest in tests."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def make_user(username: str = "", *, password: str = "correct horse battery", **extra: object) -> User:
    """An active, confirmed user."""
    username = username or f"user{next(_ids)}"
    user = User.objects.create_user(username, f"{username}@example.org", password, **extra)  # type: ignore[arg-type]
    Profile.objects.create(user=user, email_confirmed_at=timezone.now())
    return user


def make_paper(arxiv_id: str = "", *, days_old: int = 1, **fields: object) -> Paper:
    arxiv_id = arxiv_id or f"2601.{next(_ids):05d}"
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
