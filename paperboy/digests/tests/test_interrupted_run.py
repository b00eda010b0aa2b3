"""A run killed part way, then rerun: every subscriber gets the edition exactly once.

Real transactions (``transaction=True``) and a real SMTP server; run on SQLite and PostgreSQL
(``PAPERBOY_DATABASE_URL=postgresql://… pytest paperboy/digests``). The crash is a SystemExit raised
at a chosen step of the k-th e-mail, as a kill would stop the process there.
"""

from __future__ import annotations

import collections
import functools
import io
from typing import Any

import pytest
from django.core.management import call_command

from paperboy.digests import services
from paperboy.digests.journal import Journal
from paperboy.digests.models import DigestSend, SentPaper
from paperboy.digests.tests.conftest import DAY, feature, make_paper, make_subscriber
from paperboy.lib.emails import Mailer

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBERS = 12
CRASH_AT = 5
BATCH = 4  # e-mails claimed and marked per transaction: three batches of four


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch):
    monkeypatch.setattr(services, "CLAIM_BATCH", BATCH)


@pytest.fixture
def audience(db: None) -> list[str]:
    """Twelve confirmed daily subscribers and a list of three papers on DAY."""
    for n, upvotes in enumerate([30, 20, 10]):
        feature(make_paper(f"2602.0000{n}", upvotes=upvotes), DAY)
    return [make_subscriber(f"reader{n:02d}@example.org").email for n in range(SUBSCRIBERS)]


def crash_on_call(target: Any, name: str, k: int, *, before: bool) -> Any:
    """Replace ``target.name`` by a wrapper that raises SystemExit on the k-th call
    (``before``: instead of running it; otherwise right after it ran)."""
    real = getattr(target, name)
    calls = {"n": 0}

    @functools.wraps(real)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if before and calls["n"] == k:
            raise SystemExit(f"killed before {name} #{k}")
        value = real(*args, **kwargs)
        if not before and calls["n"] == k:
            raise SystemExit(f"killed after {name} #{k}")
        return value

    return wrapper


def run() -> str:
    out = io.StringIO()
    call_command("send_digests", "--date", DAY.isoformat(), stdout=out)
    return out.getvalue()


def recipients(smtp: Any) -> collections.Counter[str]:
    return collections.Counter(r for m in smtp.messages for r in m.rcpt_tos)


def assert_everyone_once(smtp: Any, audience: list[str]) -> None:
    assert recipients(smtp) == {email: 1 for email in audience}
    assert DigestSend.objects.filter(status=DigestSend.Status.SENT).count() == SUBSCRIBERS
    assert SentPaper.objects.count() == SUBSCRIBERS * 3
    assert len({m.parse()["Message-ID"] for m in smtp.messages}) == SUBSCRIBERS


def test_crash_between_messages_then_rerun_sends_the_rest_once(smtp, audience, monkeypatch):
    # killed after the first batch was marked sent, before the next batch is claimed
    monkeypatch.setattr(services, "_mark_sent", crash_on_call(services, "_mark_sent", 1, before=False))
    with pytest.raises(SystemExit):
        run()
    assert len(smtp.messages) == BATCH
    assert DigestSend.objects.filter(status=DigestSend.Status.SENT).count() == BATCH
    assert DigestSend.objects.count() == BATCH
    monkeypatch.setattr(services, "_mark_sent", services._mark_sent.__wrapped__)

    assert "sent=8 " in run()
    assert_everyone_once(smtp, audience)
    assert "sent=0 " in run()  # a third run has nothing left
    assert len(smtp.messages) == SUBSCRIBERS


def test_crash_right_after_a_send_is_resolved_from_the_journal_without_resending(smtp, audience, monkeypatch):
    # The server accepted e-mails 5-8 and the journal has their Message-IDs; the database never heard.
    monkeypatch.setattr(services, "_mark_sent", crash_on_call(services, "_mark_sent", 2, before=True))
    with pytest.raises(SystemExit):
        run()
    assert len(smtp.messages) == 2 * BATCH
    claimed = set(
        DigestSend.objects.filter(status=DigestSend.Status.CLAIMED).values_list("message_id", flat=True)
    )
    assert claimed == {m.parse()["Message-ID"] for m in smtp.messages[BATCH:]}
    monkeypatch.setattr(services, "_mark_sent", services._mark_sent.__wrapped__)

    output = run()
    assert f"resolved_from_journal={BATCH} " in output
    assert "resent=0 " in output
    assert_everyone_once(smtp, audience)


def test_crash_after_claim_before_smtp_sends_the_claimed_edition_on_rerun(smtp, audience, monkeypatch):
    monkeypatch.setattr(Mailer, "send", crash_on_call(Mailer, "send", CRASH_AT, before=True))
    with pytest.raises(SystemExit):
        run()
    assert len(smtp.messages) == CRASH_AT - 1
    claimed = set(
        DigestSend.objects.filter(status=DigestSend.Status.CLAIMED).values_list("message_id", flat=True)
    )
    assert len(claimed) == BATCH  # the second batch: claimed, none sent
    monkeypatch.setattr(Mailer, "send", Mailer.send.__wrapped__)

    assert f"resent={BATCH} " in run()
    assert_everyone_once(smtp, audience)
    # the resends carried the Message-IDs chosen at claim time
    assert claimed <= {m.parse()["Message-ID"] for m in smtp.messages}


def test_crash_between_server_accept_and_journal_resends_with_the_same_message_id(
    smtp, audience, monkeypatch
):
    """The documented limit: the only duplicate possible, and it repeats the Message-ID."""
    monkeypatch.setattr(Journal, "record", crash_on_call(Journal, "record", CRASH_AT, before=True))
    with pytest.raises(SystemExit):
        run()
    monkeypatch.setattr(Journal, "record", Journal.record.__wrapped__)

    assert f"resent={BATCH} " in run()  # e-mail 5 again, and 6-8 of the claimed batch
    counts = recipients(smtp)
    [(twice, _)] = [(email, n) for email, n in counts.items() if n == 2]
    assert sorted(counts.values()) == [1] * (SUBSCRIBERS - 1) + [2]
    ids = [m.parse()["Message-ID"] for m in smtp.messages if m.rcpt_tos == [twice]]
    assert ids[0] == ids[1]
    assert DigestSend.objects.filter(status=DigestSend.Status.SENT).count() == SUBSCRIBERS


def test_a_fresh_claim_of_another_worker_is_left_alone_until_its_lease_expires(
    smtp, audience, monkeypatch, settings
):
    monkeypatch.setattr(Mailer, "send", crash_on_call(Mailer, "send", 1, before=True))
    with pytest.raises(SystemExit):
        run()
    monkeypatch.setattr(Mailer, "send", Mailer.send.__wrapped__)
    settings.DIGEST_CLAIM_LEASE_SECONDS = 300
    run()
    assert DigestSend.objects.filter(status=DigestSend.Status.CLAIMED).count() == BATCH
    assert len(smtp.messages) == SUBSCRIBERS - BATCH
    settings.DIGEST_CLAIM_LEASE_SECONDS = 0
    run()
    assert_everyone_once(smtp, audience)
