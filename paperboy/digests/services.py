"""Send digests exactly once per stream and edition: claim, SMTP, journal, mark.

Composing (which papers) is compose.py; this module does the I/O. :func:`run_digests` is what
``manage.py send_digests`` runs.

Exactly-once protocol, per (stream, edition):
1. claim: INSERT DigestSend(status=claimed, message_id, paper_ids) — up to CLAIM_BATCH rows in one
   transaction. UNIQUE(subscription, edition) makes a second claim of the same edition fail, so two
   workers, or a rerun, never send it twice. The Message-ID is fixed here, once;
2. the SMTP transaction, with that Message-ID (transient errors retried with back-off, reconnecting);
3. on the server's 250 reply: append the Message-ID to the journal (journal.py), one write(2),
   before anything else;
4. mark: status=sent, SentPaper rows, the stream's cursor — for the batch, in one transaction.
A rerun first resolves claims older than DIGEST_CLAIM_LEASE_SECONDS (younger ones may belong to a
live worker): a claim whose Message-ID is in the journal was accepted by the server, so it is
marked sent without resending; any other claim never got a 250, so it is sent now, with the same
Message-ID and papers.

The guarantee: a crash or kill at any point — between e-mails, after a claim, after a send, before
or during the mark — is followed by a rerun that sends no duplicate and misses nobody, with one
exception: a crash in the window between the server committing a message and step 3's write (one
socket read and one write call) loses the knowledge that it went out, and the rerun sends it again
with the same Message-ID, which receivers that de-duplicate by Message-ID collapse. No SMTP client
can close that window: the server commits before the client can learn of it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from paperboy.digests import journal as journal_mod
from paperboy.digests import schedule
from paperboy.digests.compose import (
    MANAGE_PLACEHOLDER,
    PENDING,
    UNSUBSCRIBE_PLACEHOLDER,
    Composer,
    Digest,
    compose_digest,
    edition_key,
    stream_key,
)
from paperboy.digests.models import DigestSend, SentPaper, Subscriber, Subscription
from paperboy.digests.tokens import make_link_token
from paperboy.lib.emails import Mailer, Outcome, PreparedMessage, SendResult, new_message_id

__all__ = [
    "Composer",
    "Digest",
    "RunResult",
    "build_digest_message",
    "compose_digest",
    "edition_key",
    "manage_url",
    "one_click_url",
    "run_digests",
    "stream_key",
    "unsubscribe_url",
]

log = logging.getLogger(__name__)

#: E-mails claimed (and marked sent) per database transaction.
CLAIM_BATCH = 100
#: A run stops after this many e-mails in a row failed transiently (the server is down).
ABORT_AFTER_TRANSIENT_FAILURES = 5
_CHUNK = 1000
_TOKEN = "PAPERBOYTOKEN"


# ----------------------------------------------------------------------------- messages


def _link(name: str, token: str) -> str:
    return settings.SITE_URL + reverse(f"digests:{name}", kwargs={"token": token})


def unsubscribe_url(subscriber: Subscriber, subscription_id: int | None = None) -> str:
    """The visible unsubscribe page (GET shows a confirm button)."""
    return _link("unsubscribe", make_link_token("unsubscribe", subscriber, subscription_id))


def one_click_url(subscriber: Subscriber, subscription_id: int | None = None) -> str:
    """The RFC 8058 one-click endpoint (POST ``List-Unsubscribe=One-Click``)."""
    return _link("one_click", make_link_token("unsubscribe", subscriber, subscription_id))


def manage_url(subscriber: Subscriber) -> str:
    """The manage-preferences page (signed, no login)."""
    return _link("manage", make_link_token("manage", subscriber))


class _Links:
    """URL patterns resolved once per run; per subscriber only the token changes."""

    def __init__(self) -> None:
        self.patterns = {name: _link(name, _TOKEN) for name in ("unsubscribe", "one_click", "manage")}
        host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        self.domain = host or "localhost"

    def url(self, name: str, token: str) -> str:
        return self.patterns[name].replace(_TOKEN, token)


def build_digest_message(
    digest: Digest, composer: Composer, message_id: str, links: _Links | None = None
) -> PreparedMessage:
    """The MIME message of a digest: text + HTML parts, List-Unsubscribe (RFC 2369) with the
    one-click endpoint and List-Unsubscribe-Post (RFC 8058), Message-ID as claimed."""
    links = links or _Links()
    subscriber = digest.subscriber
    stream_id = digest.subscription.pk
    subject, text, html = composer.render(digest)
    unsub_token = make_link_token("unsubscribe", subscriber, stream_id)
    unsub = links.url("unsubscribe", unsub_token)
    manage = links.url("manage", make_link_token("manage", subscriber))
    text = text.replace(UNSUBSCRIBE_PLACEHOLDER, unsub).replace(MANAGE_PLACEHOLDER, manage)
    html = html.replace(UNSUBSCRIBE_PLACEHOLDER, escape(unsub)).replace(MANAGE_PLACEHOLDER, escape(manage))
    kind = digest.subscription.kind
    headers = {
        "Message-ID": message_id,
        "List-Unsubscribe": f"<{links.url('one_click', unsub_token)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{settings.SITE_NAME} {kind} <{kind}.digests.{links.domain}>",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }
    return PreparedMessage(subject=subject, text=text, html=html, to=subscriber.email, headers=headers)


# ----------------------------------------------------------------------------- ledger


@dataclass
class RunResult:
    """Counts of one run of :func:`run_digests`."""

    sent: int = 0
    failed: int = 0
    bounced: int = 0
    cancelled: int = 0
    resolved_from_journal: int = 0
    resent: int = 0
    would_send: int = 0
    aborted: bool = False
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"sent={self.sent} failed={self.failed} bounced={self.bounced} cancelled={self.cancelled} "
            f"resolved_from_journal={self.resolved_from_journal} resent={self.resent} "
            f"would_send={self.would_send}{' ABORTED' if self.aborted else ''}"
        )


@dataclass(frozen=True)
class _Accepted:
    send: DigestSend
    subscriber: Subscriber
    attempts: int


def _claim_many(digests: list[Digest]) -> list[tuple[Digest, DigestSend]]:
    """Claim these editions in one transaction; return the ones this run now owns.

    Streams unsubscribed or paused since they were loaded are dropped here, so an unsubscribe that
    lands mid-run wins for every e-mail not yet claimed.
    """
    if not digests:
        return []
    wanted = set(
        Subscription.objects.filter(
            pk__in=[d.subscription.pk for d in digests],
            active=True,
            subscriber__unsubscribed_at__isnull=True,
            subscriber__paused_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    now = timezone.now()
    rows = [
        (
            d,
            DigestSend(
                subscriber_id=d.subscriber.pk,
                subscription_id=d.subscription.pk,
                edition=d.edition,
                edition_on=d.edition_on,
                status=DigestSend.Status.CLAIMED,
                message_id=new_message_id(),
                paper_ids=d.paper_ids,
                claimed_at=now,
            ),
        )
        for d in digests
        if d.subscription.pk in wanted
    ]
    with transaction.atomic():
        DigestSend.objects.bulk_create([r for _, r in rows], ignore_conflicts=True)
        mine = dict(
            DigestSend.objects.filter(message_id__in=[r.message_id for _, r in rows]).values_list(
                "message_id", "pk"
            )
        )
    claimed = []
    for digest, row in rows:
        if row.message_id in mine:
            row.pk = mine[row.message_id]
            claimed.append((digest, row))
    return claimed


def _release(sends: list[DigestSend]) -> None:
    """Give back claims this run made but never tried to send (stop requested, limit reached)."""
    if sends:
        DigestSend.objects.filter(pk__in=[s.pk for s in sends], status=DigestSend.Status.CLAIMED).delete()


def _insert_sent_papers(rows: list[tuple[int, int, int]]) -> None:
    """INSERT (subscription, paper, send) rows, skipping ones already there (UNIQUE(subscription, paper)).

    One executemany instead of bulk_create: ten rows per e-mail made model instances a hot spot.
    ``ON CONFLICT DO NOTHING`` is understood by PostgreSQL and SQLite >= 3.24.
    """
    table = connection.ops.quote_name(SentPaper._meta.db_table)
    sql = (
        f"INSERT INTO {table} (subscription_id, paper_id, send_id) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _mark_sent(accepted: list[_Accepted]) -> None:
    """Record sends the server accepted (already in the journal): status, SentPaper, cursors."""
    if not accepted:
        return
    now = timezone.now()
    with transaction.atomic():
        DigestSend.objects.filter(pk__in=[a.send.pk for a in accepted], status__in=PENDING).update(
            status=DigestSend.Status.SENT, sent_at=now, attempts=F("attempts") + 1, error=""
        )
        for a in accepted:
            if a.attempts != 1:
                DigestSend.objects.filter(pk=a.send.pk).update(attempts=F("attempts") + (a.attempts - 1))
        _insert_sent_papers(
            [(a.send.subscription_id, pid, a.send.pk) for a in accepted for pid in a.send.paper_ids]
        )
        by_day: dict[dt.date, list[int]] = {}
        for a in accepted:
            by_day.setdefault(a.send.edition_on, []).append(a.send.subscription_id)
        for day, stream_ids in by_day.items():
            Subscription.objects.filter(pk__in=stream_ids).filter(
                Q(last_edition_on__isnull=True) | Q(last_edition_on__lt=day)
            ).update(last_edition_on=day, last_sent_at=now)
        bounced_before = [a.subscriber.pk for a in accepted if a.subscriber.bounce_count]
        if bounced_before:
            Subscriber.objects.filter(pk__in=bounced_before).update(bounce_count=0)
            for a in accepted:
                a.subscriber.bounce_count = 0


def _mark_bounced(send: DigestSend, result: SendResult, subscriber: Subscriber) -> bool:
    """Record a permanent rejection; pause the address at DIGEST_MAX_BOUNCES. True if now paused."""
    now = timezone.now()
    with transaction.atomic():
        DigestSend.objects.filter(pk=send.pk).update(
            status=DigestSend.Status.BOUNCED,
            attempts=F("attempts") + result.attempts,
            error=result.error[:2000],
        )
        Subscriber.objects.filter(pk=subscriber.pk).update(
            bounce_count=F("bounce_count") + 1, last_bounce=f"{now.isoformat()} {result.error}"[:2000]
        )
        paused = Subscriber.objects.filter(
            pk=subscriber.pk, bounce_count__gte=settings.DIGEST_MAX_BOUNCES, paused_at__isnull=True
        ).update(paused_at=now)
    log.warning("bounce for subscriber %s: %s", subscriber.pk, result.error)
    return bool(paused)


def _mark_failed(send: DigestSend, result: SendResult) -> None:
    DigestSend.objects.filter(pk=send.pk).update(
        status=DigestSend.Status.FAILED,
        attempts=F("attempts") + result.attempts,
        error=result.error[:2000],
        claimed_at=timezone.now(),  # for a failed send: when it was last tried
    )


class _Run:
    """State of one run: SMTP connections and journal, counts, accepted-but-unmarked sends.

    With ``connections > 1`` the e-mails of a claimed batch go out over that many SMTP connections
    in worker threads (SMTP is latency-bound); each worker journals its own 250 replies. All database
    work stays on the calling thread.
    """

    def __init__(
        self, mailer: Mailer, journal: journal_mod.Journal, composer: Composer, connections: int
    ) -> None:
        self.mailer = mailer
        self.journal = journal
        self.composer = composer
        self.links = _Links()
        self.result = RunResult()
        self.accepted: list[_Accepted] = []
        self.paused: set[int] = set()
        self.transient_in_a_row = 0
        self.pool = ThreadPoolExecutor(connections, thread_name_prefix="smtp") if connections > 1 else None
        self._local = threading.local()
        self._mailers: list[Mailer] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        for mailer in self._mailers:
            mailer.close()

    def _thread_mailer(self) -> Mailer:
        if self.pool is None:
            return self.mailer
        mailer = getattr(self._local, "mailer", None)
        if mailer is None:
            mailer = Mailer()
            self._local.mailer = mailer
            with self._lock:
                self._mailers.append(mailer)
        return mailer

    def _transmit(self, send: DigestSend, message: PreparedMessage) -> SendResult:
        """SMTP, then — on the server's 250 — the journal line, before anything else."""
        result = self._thread_mailer().send(message)
        if result.outcome is Outcome.SENT:
            self.journal.record(send.message_id, send.pk)
        return result

    def _record(self, send: DigestSend, digest: Digest, result: SendResult) -> Outcome:
        """Book the outcome; accepted sends are marked in the database by :meth:`flush`."""
        subscriber = digest.subscriber
        if result.outcome is Outcome.SENT:
            self.accepted.append(_Accepted(send, subscriber, result.attempts))
            self.transient_in_a_row = 0
        elif result.outcome is Outcome.PERMANENT:
            if _mark_bounced(send, result, subscriber):
                self.paused.add(subscriber.pk)
            self.result.bounced += 1
            self.transient_in_a_row = 0
        else:
            _mark_failed(send, result)
            self.result.failed += 1
            self.transient_in_a_row += 1
            if self.transient_in_a_row >= ABORT_AFTER_TRANSIENT_FAILURES:
                self.result.aborted = True
        return result.outcome

    def message(self, send: DigestSend, digest: Digest) -> PreparedMessage:
        return build_digest_message(digest, self.composer, send.message_id, self.links)

    def deliver(self, send: DigestSend, digest: Digest) -> Outcome:
        """Send one e-mail on this thread."""
        result = self.mailer.send(self.message(send, digest))
        if result.outcome is Outcome.SENT:
            self.journal.record(send.message_id, send.pk)
        return self._record(send, digest, result)

    def deliver_many(self, items: list[tuple[Digest, DigestSend]]) -> int:
        """Send a batch over the worker connections; return how many the server accepted."""
        assert self.pool is not None
        futures = [
            self.pool.submit(self._transmit, send, self.message(send, digest)) for digest, send in items
        ]
        return sum(
            self._record(send, digest, future.result()) is Outcome.SENT
            for (digest, send), future in zip(items, futures, strict=True)
        )

    def flush(self) -> None:
        _mark_sent(self.accepted)
        self.accepted = []


def _resolve_pending(run: _Run, *, to: str | None, stop: Callable[[], bool]) -> None:
    """Finish sends an earlier run left claimed (past the lease) or failed (tries left, and last
    tried at least DIGEST_RETRY_AFTER_SECONDS ago)."""
    now = timezone.now()
    lease_cutoff = now - dt.timedelta(seconds=settings.DIGEST_CLAIM_LEASE_SECONDS)
    retry_cutoff = now - dt.timedelta(seconds=settings.DIGEST_RETRY_AFTER_SECONDS)
    qs = DigestSend.objects.filter(
        Q(status=DigestSend.Status.CLAIMED, claimed_at__lte=lease_cutoff)
        | Q(
            status=DigestSend.Status.FAILED,
            attempts__lt=settings.DIGEST_MAX_ATTEMPTS,
            claimed_at__lte=retry_cutoff,
        )
    ).select_related("subscription", "subscriber")
    if to:
        qs = qs.filter(subscriber__email=to.lower())
    pending = list(qs.order_by("id"))
    if not pending:
        return
    from paperboy.papers.models import Paper

    accepted = journal_mod.accepted_message_ids()
    for send in pending:
        if stop() or run.result.aborted:
            break
        subscriber = send.subscriber
        if send.status == DigestSend.Status.CLAIMED and send.message_id in accepted:
            run.accepted.append(_Accepted(send, subscriber, 0))  # the server took it: do not resend
            run.result.resolved_from_journal += 1
            continue
        if not subscriber.is_sendable or not send.subscription.active or subscriber.pk in run.paused:
            DigestSend.objects.filter(pk=send.pk, status__in=PENDING).update(
                status=DigestSend.Status.CANCELLED
            )
            run.result.cancelled += 1
            continue
        by_id = Paper.objects.in_bulk(send.paper_ids)
        papers = [by_id[i] for i in send.paper_ids if i in by_id]
        if not papers:
            DigestSend.objects.filter(pk=send.pk).update(status=DigestSend.Status.CANCELLED)
            run.result.cancelled += 1
            continue
        send.subscription.subscriber = subscriber
        digest = Digest(send.subscription, send.edition, send.edition_on, papers)
        if run.deliver(send, digest) is Outcome.SENT:
            run.result.resent += 1
    run.flush()


def _due_streams(
    now: dt.datetime, edition_on: dt.date | None, to: str | None
) -> Iterator[list[tuple[Subscription, dt.date]]]:
    """Chunks of (stream, edition day) due at ``now`` (or on ``edition_on``) and not yet claimed."""
    base = Subscription.objects.filter(
        active=True,
        subscriber__confirmed_at__isnull=False,
        subscriber__unsubscribed_at__isnull=True,
        subscriber__paused_at__isnull=True,
    ).select_related("subscriber")
    if to:
        base = base.filter(subscriber__email=to.lower())
    due_cache: dict[tuple[str, int], dt.date | None] = {}
    last_id = 0
    while True:
        chunk = list(base.filter(pk__gt=last_id).order_by("pk")[:_CHUNK])
        if not chunk:
            return
        last_id = chunk[-1].pk
        due: list[tuple[Subscription, dt.date, str]] = []
        for sub in chunk:
            day = edition_on
            if day is None:
                zone_hour = (sub.subscriber.timezone, sub.subscriber.send_hour)
                if zone_hour not in due_cache:
                    due_cache[zone_hour] = schedule.due_edition_on(*zone_hour, now)
                day = due_cache[zone_hour]
            edition = edition_key(sub.kind, day) if day is not None else None
            if day is not None and edition is not None:
                due.append((sub, day, edition))
        if due:
            taken = set(
                DigestSend.objects.filter(
                    subscription_id__in=[s.pk for s, _, _ in due], edition__in={e for _, _, e in due}
                ).values_list("subscription_id", "edition")
            )
            yield [(s, d) for s, d, e in due if (s.pk, e) not in taken]


def run_digests(
    *,
    now: dt.datetime | None = None,
    edition_on: dt.date | None = None,
    dry_run: bool = False,
    to: str | None = None,
    limit: int | None = None,
    stop: Callable[[], bool] | None = None,
    out: Callable[[str], None] | None = None,
) -> RunResult:
    """Send every due digest once; return what was done.

    Args:
        now: the clock (aware); each subscriber's edition day is their local yesterday once their
            send hour has passed (schedule.py). Defaults to timezone.now().
        edition_on: send the editions of this day to every subscriber, whatever the hour (backfill).
        dry_run: compose and report (through ``out``) what would be sent; write and send nothing.
        to: only this address.
        limit: stop after this many e-mails (sent, or would-be-sent in a dry run).
        stop: polled between e-mails; True ends the run early (SIGTERM in ``--loop``).
        out: receives one line per e-mail in a dry run.
    Returns:
        RunResult; ``aborted`` is set when ABORT_AFTER_TRANSIENT_FAILURES e-mails in a row failed.
    """
    now = now or timezone.now()
    stop = stop or (lambda: False)
    composer = Composer()

    connections = max(1, int(settings.DIGEST_SMTP_CONNECTIONS))
    with Mailer() as mailer, journal_mod.Journal() as journal:
        run = _Run(mailer, journal, composer, connections if not dry_run else 1)
        try:
            _run_all(
                run, now=now, edition_on=edition_on, dry_run=dry_run, to=to, limit=limit, stop=stop, out=out
            )
        finally:
            run.close()
    if not dry_run:
        journal_mod.prune()
    return run.result


def _run_all(
    run: _Run,
    *,
    now: dt.datetime,
    edition_on: dt.date | None,
    dry_run: bool,
    to: str | None,
    limit: int | None,
    stop: Callable[[], bool],
    out: Callable[[str], None] | None,
) -> None:
    composer = run.composer
    result = run.result

    def done() -> bool:
        count = result.would_send if dry_run else result.sent + result.resent
        return stop() or result.aborted or (limit is not None and count >= limit)

    def send_batch(batch: list[Digest]) -> None:
        claimed = _claim_many(batch)
        if run.pool is not None:
            live = [(d, s) for d, s in claimed if d.subscriber.pk not in run.paused]
            _release([s for d, s in claimed if d.subscriber.pk in run.paused])
            result.sent += run.deliver_many(live)
        else:
            for n, (digest, send) in enumerate(claimed):
                if done():
                    _release([s for _, s in claimed[n:]])
                    break
                if digest.subscriber.pk in run.paused:  # bounced out earlier in this batch
                    _release([send])
                    continue
                if run.deliver(send, digest) is Outcome.SENT:
                    result.sent += 1
        # No try/finally: after a crash the journal, not this mark, tells the rerun what went out.
        run.flush()

    if not dry_run:
        _resolve_pending(run, to=to, stop=stop)
    batch: list[Digest] = []
    for chunk in _due_streams(now, edition_on, to):
        composer.prefetch_excluded(s.pk for s, _ in chunk)
        for sub, day in chunk:
            if done():
                break
            digest = compose_digest(sub, edition_on=day, composer=composer)
            if digest is None:
                continue
            if dry_run:
                result.would_send += 1
                line = f"would send {digest.edition} to {sub.subscriber.email}: {sub.label}: " + ", ".join(
                    p.arxiv_id for p in digest.papers
                )
                result.lines.append(line)
                if out:
                    out(line)
                continue
            batch.append(digest)
            left = CLAIM_BATCH if limit is None else limit - result.sent - result.resent
            if len(batch) >= min(CLAIM_BATCH, left):
                send_batch(batch)
                batch = []
        if done():
            break
    if batch and not done():
        send_batch(batch)
