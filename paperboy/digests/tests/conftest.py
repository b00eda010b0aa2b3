"""Fixtures of the digests tests: a real SMTP server, demo papers, subscribers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from paperboy.bench.smtp_sink import SMTPSink
from paperboy.digests.compose import stream_key
from paperboy.digests.models import Subscriber, Subscription
from paperboy.papers.models import FeaturedEntry, Paper

DAY = dt.date(2026, 2, 27)  # a Friday with a list in the demo corpus


@pytest.fixture(autouse=True)
def _digest_settings(settings: Any, tmp_path: Any) -> None:
    """Journal in a temp folder, no lease or back-off waits, links on the test server, fresh rate limits."""
    settings.DIGEST_JOURNAL_DIR = tmp_path / "journal"
    settings.DIGEST_CLAIM_LEASE_SECONDS = 0
    settings.DIGEST_RETRY_AFTER_SECONDS = 0
    settings.DIGEST_SMTP_BACKOFF_SECONDS = 0
    settings.DIGEST_SMTP_CONNECTIONS = 1  # deterministic order; test_parallel_send uses several
    settings.SITE_URL = "http://testserver"
    settings.DEFAULT_FROM_EMAIL = "paperboy <digests@paperboy.test>"
    cache.clear()


@pytest.fixture
def smtp(settings: Any) -> Iterator[SMTPSink]:
    """An aiosmtpd server on 127.0.0.1 (free port) that Django's SMTP backend delivers to."""
    with SMTPSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield sink


def make_paper(arxiv_id: str, *, title: str = "", upvotes: int = 0, **fields: Any) -> Paper:
    """A paper with literal fields (title defaults to one derived from the id)."""
    return Paper.objects.create(
        arxiv_id=arxiv_id,
        title=title or f"Paper {arxiv_id}",
        abstract=fields.pop("abstract", f"Abstract of {arxiv_id}."),
        upvote_count=upvotes,
        **fields,
    )


def feature(paper: Paper, day: dt.date) -> FeaturedEntry:
    return FeaturedEntry.objects.create(paper=paper, featured_on=day)


def make_subscriber(
    email: str,
    *streams: tuple[str, dict[str, str]] | str,
    confirmed: bool = True,
    tz: str = "UTC",
    hour: int = 8,
) -> Subscriber:
    """A subscriber with streams given as ``"daily"`` or ``("author", {"author": "…"})``."""
    subscriber = Subscriber.objects.create(
        email=email, timezone=tz, send_hour=hour, confirmed_at=timezone.now() if confirmed else None
    )
    for stream in streams or ("daily",):
        kind, params = (stream, {}) if isinstance(stream, str) else stream
        Subscription.objects.create(
            subscriber=subscriber, kind=kind, params=params, key=stream_key(kind, params)
        )
    return subscriber


@pytest.fixture
def demo_day(db: None) -> dt.date:
    """The HF Daily Papers list of 2026-02-27 from the demo corpus (real titles, upvotes); returns the day."""
    from paperboy.digests.demo import load_hf_days

    assert load_hf_days([DAY]) > 10
    return DAY
