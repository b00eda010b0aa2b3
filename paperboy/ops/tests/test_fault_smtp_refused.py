"""Fault test: the SMTP server refuses connections during a digest run.

Nothing is marked sent that was not sent, and the next run (server back) delivers every digest once.
Real transactions, a real SMTP server (aiosmtpd) on 127.0.0.1; the refusal is a closed port.
"""

from __future__ import annotations

import collections
import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from paperboy.papers.models import FeaturedEntry, Paper

pytestmark = [pytest.mark.django_db(transaction=True)]

DAY = dt.date(2026, 2, 27)
READERS = [f"reader{n}@example.org" for n in range(3)]


def run_digests() -> str:
    out = io.StringIO()
    try:
        call_command("send_digests", "--date", DAY.isoformat(), stdout=out, stderr=out)
    except CommandError as exc:
        out.write(f"CommandError: {exc}")
    return out.getvalue()


def test_refused_smtp_sends_nothing_marks_nothing_and_the_next_run_delivers(settings, tmp_path):
    if not apps.is_installed("paperboy.digests"):
        pytest.skip("the digests app is not installed in this checkout (digests branch not merged)")
    from paperboy.bench.smtp_sink import SMTPSink, free_port
    from paperboy.digests.compose import stream_key
    from paperboy.digests.models import DigestSend, SentPaper, Subscriber, Subscription

    settings.DIGEST_JOURNAL_DIR = tmp_path / "journal"
    settings.DIGEST_CLAIM_LEASE_SECONDS = 0
    settings.DIGEST_SMTP_BACKOFF_SECONDS = 0
    settings.DIGEST_RETRY_AFTER_SECONDS = 0  # the next run may retry at once
    settings.SITE_URL = "http://testserver"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens: connection refused
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    for n, upvotes in enumerate([30, 20, 10]):
        paper = Paper.objects.create(arxiv_id=f"2602.1000{n}", title=f"Paper {n}", upvote_count=upvotes)
        FeaturedEntry.objects.create(paper=paper, featured_on=DAY)
    for email in READERS:
        subscriber = Subscriber.objects.create(email=email, confirmed_at=timezone.now())
        Subscription.objects.create(
            subscriber=subscriber, kind="daily", params={}, key=stream_key("daily", {})
        )

    first = run_digests()
    assert "failed=3" in first or "CommandError" in first, first
    assert DigestSend.objects.filter(status=DigestSend.Status.SENT).count() == 0, first
    assert SentPaper.objects.count() == 0
    assert not Subscription.objects.exclude(last_sent_at=None).exists()

    with SMTPSink() as sink:
        settings.EMAIL_PORT = sink.port
        second = run_digests()
        received = collections.Counter(r for m in sink.messages for r in m.rcpt_tos)
    assert received == {email: 1 for email in READERS}, second
    assert DigestSend.objects.filter(status=DigestSend.Status.SENT).count() == len(READERS)
    assert SentPaper.objects.count() == len(READERS) * 3

    # A third run sends nothing more.
    with SMTPSink() as sink:
        settings.EMAIL_PORT = sink.port
        run_digests()
        assert sink.messages == []
