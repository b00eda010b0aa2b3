"""Compose and send digests exactly once per stream and edition.

Compose (queries and ranking, no I/O) is :func:`compose_digest`; sending (SMTP, ledger) is
:func:`run_digests`. One :class:`Composer` per run holds the parts that every subscriber of an
edition shares (the day's ranked list, the week's list, the window of new papers, search results,
rendered bodies), so 10,000 subscribers cost a handful of list queries.

Editions. For edition day E (a subscriber's local yesterday, or ``--date``):
- ``daily:E``: papers featured on E, ranked by upvote_count; only on days with a list;
- ``weekly:YYYY-Www``: papers featured in the 7 days ending E, ranked by upvote_count; only when E
  is the ISO weekday settings.DIGEST_WEEKLY_ISOWEEKDAY (Friday by default);
- ``search:E`` / ``author:E`` / ``category:E``: papers new (arXiv announce day, or v1 date when the
  announce day is unknown) after the stream's last edition day (first time: E itself) up to E that
  match the saved search / author name / category.
No paper is ever sent twice in a stream (SentPaper), and an edition with no paper left is not sent.

Exactly-once protocol, per (stream, edition):
1. claim: INSERT DigestSend(status=claimed, message_id, paper_ids) in its own transaction; the UNIQUE
   (subscription, edition) constraint makes a second claim fail, so two workers or a rerun never
   send the same edition twice;
2. SMTP transaction with that Message-ID (retried on transient errors, reconnecting);
3. on the server's 250: append the Message-ID to the journal (journal.py), one write(2);
4. one transaction: status=sent, SentPaper rows, the stream's cursor.
A rerun first resolves claims older than DIGEST_CLAIM_LEASE_SECONDS: a claim whose Message-ID is in
the journal was accepted, so it is marked sent (no resend); any other claim never reached step 3, so
it is sent now, with the same Message-ID and papers. What this guarantees: a crash or kill anywhere
— between messages, after a claim, after a send — gives no duplicate and no miss, except a crash in
the window between the server committing the message and step 3's write (one socket read and one
write call). Such a message is sent again with the same Message-ID, which receivers that de-duplicate
by Message-ID collapse. Closing that window entirely is impossible over SMTP: the server commits
before the client can learn of it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.defaultfilters import truncatewords
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from paperboy.digests import journal as journal_mod
from paperboy.digests import schedule
from paperboy.digests.models import DigestSend, SentPaper, Subscriber, Subscription
from paperboy.digests.tokens import make_link_token
from paperboy.lib.emails import Mailer, Outcome, SendResult, build_message, new_message_id, render_parts
from paperboy.lib.text import plain_text
from paperboy.papers.models import FeaturedEntry, Paper

log = logging.getLogger(__name__)

Kind = Subscription.Kind
PENDING = (DigestSend.Status.CLAIMED, DigestSend.Status.FAILED)
#: A run stops after this many e-mails in a row failed transiently (the server is down).
ABORT_AFTER_TRANSIENT_FAILURES = 5
_CHUNK = 1000
_UNSUB = "@@PAPERBOY_UNSUBSCRIBE_URL@@"
_MANAGE = "@@PAPERBOY_MANAGE_URL@@"
_WS = re.compile(r"\s+")


# ----------------------------------------------------------------------------- compose


@dataclass(frozen=True)
class PaperView:
    """What an e-mail shows of a paper: plain-text title/abstract (math as $…$), page URL."""

    id: int
    arxiv_id: str
    url: str
    title: str
    abstract: str
    authors: str
    upvote_count: int


@dataclass(frozen=True)
class Digest:
    """One e-mail to compose: a stream, an edition and its papers (never empty)."""

    subscription: Subscription
    edition: str
    edition_on: dt.date
    papers: list[Paper]

    @property
    def subscriber(self) -> Subscriber:
        return self.subscription.subscriber

    @property
    def paper_ids(self) -> list[int]:
        return [p.pk for p in self.papers]


def edition_key(kind: str, edition_on: dt.date) -> str | None:
    """The edition of ``kind`` for edition day ``edition_on``; None when the kind has none that day.

    Examples: ``("daily", 2026-02-27)`` -> ``"daily:2026-02-27"``;
    ``("weekly", 2026-02-27)`` (a Friday) -> ``"weekly:2026-W09"``; ``("weekly", 2026-02-26)`` -> None.
    """
    if kind == Kind.WEEKLY:
        if edition_on.isoweekday() != settings.DIGEST_WEEKLY_ISOWEEKDAY:
            return None
        return f"weekly:{schedule.weekly_edition(edition_on)}"
    return f"{kind}:{edition_on.isoformat()}"


def normalise_name(name: str) -> str:
    """Case- and space-insensitive form of an author name (``" Yann  LeCun"`` -> ``"yann lecun"``)."""
    return _WS.sub(" ", plain_text(name)).strip().casefold()


def stream_key(kind: str, params: dict[str, Any]) -> str:
    """The normalised params of a stream (Subscription.key)."""
    if kind == Kind.SEARCH:
        return f"{_WS.sub(' ', params.get('query', '')).strip().casefold()}|{params.get('category', '')}"[
            :255
        ]
    if kind == Kind.AUTHOR:
        return normalise_name(params.get("author", ""))[:255]
    if kind == Kind.CATEGORY:
        return str(params.get("category", "")).strip()[:255]
    return ""


def _category_matches(wanted: str, categories: list[str]) -> bool:
    """``cs.CL`` matches exactly; an archive without a dot (``cs``) matches any ``cs.*``."""
    if "." in wanted:
        return wanted in categories
    return any(c == wanted or c.startswith(wanted + ".") for c in categories)


class Composer:
    """Per-run caches of what subscribers of an edition share. Not thread-safe; one per run."""

    def __init__(self, *, papers_per_email: int | None = None) -> None:
        self.size = papers_per_email or settings.DIGEST_PAPERS_PER_EMAIL
        self._daily: dict[dt.date, list[Paper]] = {}
        self._weekly: dict[dt.date, list[Paper]] = {}
        self._window: dict[tuple[dt.date, dt.date], list[Paper]] = {}
        self._search: dict[str, set[int] | None] = {}
        self._views: dict[int, PaperView] = {}
        self._rendered: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self.excluded: dict[int, set[int]] = {}  # subscription id -> paper ids sent or pending

    # -- shared lists
    def _ranked_featured(self, start: dt.date, end: dt.date) -> list[Paper]:
        ids = (
            FeaturedEntry.objects.filter(featured_on__gte=start, featured_on__lte=end)
            .values_list("paper_id", flat=True)
            .distinct()
        )
        return list(
            Paper.objects.filter(pk__in=list(ids), withdrawn=False).order_by("-upvote_count", "arxiv_id")
        )

    def daily(self, day: dt.date) -> list[Paper]:
        """Papers featured on ``day``, best first (upvotes, then arXiv id)."""
        if day not in self._daily:
            self._daily[day] = self._ranked_featured(day, day)
        return self._daily[day]

    def weekly(self, day: dt.date) -> list[Paper]:
        """Papers featured in the 7 days ending ``day``, best first."""
        if day not in self._weekly:
            self._weekly[day] = self._ranked_featured(day - dt.timedelta(days=6), day)
        return self._weekly[day]

    def window(self, after: dt.date, upto: dt.date) -> list[Paper]:
        """Papers new after ``after`` up to ``upto`` (announce day, else v1 day), best first."""
        key = (after, upto)
        if key not in self._window:
            qs = Paper.objects.filter(
                Q(announced_on__gt=after, announced_on__lte=upto)
                | Q(announced_on__isnull=True, published_at__date__gt=after, published_at__date__lte=upto),
                withdrawn=False,
            ).order_by("-upvote_count", "-published_at", "arxiv_id")
            self._window[key] = list(qs)
        return self._window[key]

    def search_ids(self, query: str) -> set[int] | None:
        """Paper ids that ``paperboy.search.search_papers`` returns for ``query``, or None when
        the search app has no ``search_papers`` yet (the caller then matches words itself)."""
        if query not in self._search:
            try:
                from paperboy.search import search_papers  # type: ignore[attr-defined]
            except ImportError:
                self._search[query] = None
            else:
                hits = search_papers(query, limit=1000)
                self._search[query] = {_hit_paper_id(h) for h in hits}
        return self._search[query]

    def view(self, paper: Paper) -> PaperView:
        """The e-mail view of a paper (computed once per run)."""
        found = self._views.get(paper.pk)
        if found is None:
            authors = [plain_text(a) for a in paper.authors[:6]]
            line = ", ".join(authors[:5]) + (" et al." if len(paper.authors) > 5 else "")
            found = PaperView(
                id=paper.pk,
                arxiv_id=paper.arxiv_id,
                url=settings.SITE_URL + paper.get_absolute_url(),
                title=plain_text(paper.title),
                abstract=truncatewords(plain_text(paper.abstract), 70),
                authors=line,
                upvote_count=paper.upvote_count,
            )
            self._views[paper.pk] = found
        return found

    # -- per stream
    def candidates(self, subscription: Subscription, edition_on: dt.date) -> list[Paper]:
        """Papers of this stream's edition, best first, before removing already-sent ones."""
        kind, params = subscription.kind, subscription.params or {}
        if kind == Kind.DAILY:
            return self.daily(edition_on)
        if kind == Kind.WEEKLY:
            return self.weekly(edition_on)
        after = subscription.last_edition_on or (edition_on - dt.timedelta(days=1))
        if after >= edition_on:
            return []
        papers = self.window(after, edition_on)
        if kind == Kind.AUTHOR:
            wanted = normalise_name(params.get("author", ""))
            return [p for p in papers if wanted and any(normalise_name(a) == wanted for a in p.authors)]
        if kind == Kind.CATEGORY:
            category = str(params.get("category", "")).strip()
            return [p for p in papers if category and _category_matches(category, p.categories)]
        if kind == Kind.SEARCH:
            query = str(params.get("query", "")).strip()
            category = str(params.get("category", "")).strip()
            if not query:
                return []
            if category:
                papers = [p for p in papers if _category_matches(category, p.categories)]
            ids = self.search_ids(query)
            if ids is not None:
                return [p for p in papers if p.pk in ids]
            # Fallback until paperboy.search provides search_papers: every word of the query
            # occurs in the title or abstract (case-insensitive), like an ORM icontains per word.
            words = [w.casefold() for w in query.split()]
            return [p for p in papers if all(w in f"{p.title} {p.abstract}".casefold() for w in words)]
        return []

    def prefetch_excluded(self, subscription_ids: Iterable[int]) -> None:
        """Load, for these streams, the papers already sent or held by a pending send."""
        ids = list(subscription_ids)
        for sub_id in ids:
            self.excluded[sub_id] = set()
        for sub_id, paper_id in SentPaper.objects.filter(subscription_id__in=ids).values_list(
            "subscription_id", "paper_id"
        ):
            self.excluded[sub_id].add(paper_id)
        for sub_id, paper_ids in DigestSend.objects.filter(
            subscription_id__in=ids, status__in=PENDING
        ).values_list("subscription_id", "paper_ids"):
            self.excluded[sub_id].update(paper_ids)

    def excluded_for(self, subscription_id: int) -> set[int]:
        if subscription_id not in self.excluded:
            self.prefetch_excluded([subscription_id])
        return self.excluded[subscription_id]

    # -- rendering
    def render(self, digest: Digest) -> tuple[str, str, str]:
        """``(subject, text, html)`` with per-subscriber link placeholders; cached per content."""
        sub = digest.subscription
        key = (sub.kind, sub.label, digest.edition, tuple(digest.paper_ids))
        found = self._rendered.get(key)
        if found is None:
            ctx = {
                "site_name": settings.SITE_NAME,
                "site_url": settings.SITE_URL,
                "kind": sub.kind,
                "stream_label": sub.label,
                "edition": digest.edition,
                "edition_on": digest.edition_on,
                "week_start": digest.edition_on - dt.timedelta(days=6),
                "papers": [self.view(p) for p in digest.papers],
                "unsubscribe_url": _UNSUB,
                "manage_url": _MANAGE,
            }
            found = render_parts("digests/email/digest", ctx)
            self._rendered[key] = found
        return found


def _hit_paper_id(hit: Any) -> int:
    """The Paper pk of a search hit (a SearchHit mapping, an object with paper_id, or a Paper)."""
    if isinstance(hit, dict):
        return int(hit["paper_id"])
    if hasattr(hit, "paper_id"):
        return int(hit.paper_id)
    return int(hit.pk)


def compose_digest(
    subscription: Subscription,
    *,
    edition_on: dt.date,
    composer: Composer | None = None,
    exclude_sent: bool = True,
) -> Digest | None:
    """The digest of ``subscription`` for edition day ``edition_on``, or None if there is nothing
    to send (no edition that day, no matching paper, or every paper already sent in this stream).

    Query and ranking only: nothing is written or sent.
    """
    composer = composer or Composer()
    edition = edition_key(subscription.kind, edition_on)
    if edition is None:
        return None
    papers = composer.candidates(subscription, edition_on)
    if exclude_sent:
        excluded = composer.excluded_for(subscription.pk)
        papers = [p for p in papers if p.pk not in excluded]
    papers = papers[: composer.size]
    if not papers:
        return None
    return Digest(subscription=subscription, edition=edition, edition_on=edition_on, papers=papers)


# ----------------------------------------------------------------------------- messages


def unsubscribe_url(subscriber: Subscriber, subscription_id: int | None = None) -> str:
    """The visible unsubscribe page (GET shows a confirm button)."""
    token = make_link_token("unsubscribe", subscriber, subscription_id)
    return settings.SITE_URL + reverse("digests:unsubscribe", kwargs={"token": token})


def one_click_url(subscriber: Subscriber, subscription_id: int | None = None) -> str:
    """The RFC 8058 one-click endpoint (POST ``List-Unsubscribe=One-Click``)."""
    token = make_link_token("unsubscribe", subscriber, subscription_id)
    return settings.SITE_URL + reverse("digests:one_click", kwargs={"token": token})


def manage_url(subscriber: Subscriber) -> str:
    token = make_link_token("manage", subscriber)
    return settings.SITE_URL + reverse("digests:manage", kwargs={"token": token})


def build_digest_message(digest: Digest, composer: Composer, message_id: str) -> Any:
    """The MIME message of a digest: text + HTML, List-Unsubscribe (RFC 2369) and one-click (RFC 8058)."""
    subscriber = digest.subscriber
    subject, text, html = composer.render(digest)
    unsub = unsubscribe_url(subscriber, digest.subscription.pk)
    manage = manage_url(subscriber)
    text = text.replace(_UNSUB, unsub).replace(_MANAGE, manage)
    html = html.replace(_UNSUB, escape(unsub)).replace(_MANAGE, escape(manage))
    domain = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    headers = {
        "Message-ID": message_id,
        "List-Unsubscribe": f"<{one_click_url(subscriber, digest.subscription.pk)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{settings.SITE_NAME} {digest.subscription.kind} <{digest.subscription.kind}.digests.{domain}>",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }
    return build_message(subject, text, html, subscriber.email, headers)


# ----------------------------------------------------------------------------- send


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


class _Run:
    def __init__(
        self, mailer: Mailer, journal: journal_mod.Journal, result: RunResult, composer: Composer
    ) -> None:
        self.mailer = mailer
        self.journal = journal
        self.result = result
        self.composer = composer
        self.transient_in_a_row = 0
        self.paused: set[int] = set()

    def deliver(self, send: DigestSend, subscriber: Subscriber, message: Any) -> Outcome:
        result = self.mailer.send(message)
        if result.outcome is Outcome.SENT:
            self.journal.record(send.message_id, send.pk)
            _mark_sent(send, result.attempts, subscriber)
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


def _mark_sent(send: DigestSend, attempts: int, subscriber: Subscriber) -> None:
    """Record a send accepted by the server: status, SentPaper rows, the stream's cursor."""
    now = timezone.now()
    with transaction.atomic():
        updated = DigestSend.objects.filter(pk=send.pk, status__in=PENDING).update(
            status=DigestSend.Status.SENT, sent_at=now, attempts=F("attempts") + attempts, error=""
        )
        if not updated:
            return
        SentPaper.objects.bulk_create(
            [
                SentPaper(subscription_id=send.subscription_id, paper_id=pid, send_id=send.pk)
                for pid in send.paper_ids
            ],
            ignore_conflicts=True,
        )
        Subscription.objects.filter(pk=send.subscription_id).filter(
            Q(last_edition_on__isnull=True) | Q(last_edition_on__lt=send.edition_on)
        ).update(last_edition_on=send.edition_on, last_sent_at=now)
        if subscriber.bounce_count:
            Subscriber.objects.filter(pk=subscriber.pk).update(bounce_count=0)
            subscriber.bounce_count = 0


def _mark_bounced(send: DigestSend, result: SendResult, subscriber: Subscriber) -> bool:
    """Record a permanent rejection; pause the address at DIGEST_MAX_BOUNCES. True if paused."""
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
        status=DigestSend.Status.FAILED, attempts=F("attempts") + result.attempts, error=result.error[:2000]
    )


def _claim(digest: Digest) -> DigestSend | None:
    """Insert the claim row in its own transaction; None if this edition is already claimed."""
    try:
        with transaction.atomic():
            # Re-checked inside the claim: an unsubscribe that lands mid-run still wins.
            still_wanted = Subscription.objects.filter(
                pk=digest.subscription.pk,
                active=True,
                subscriber__unsubscribed_at__isnull=True,
                subscriber__paused_at__isnull=True,
            ).exists()
            if not still_wanted:
                return None
            return DigestSend.objects.create(
                subscriber_id=digest.subscriber.pk,
                subscription=digest.subscription,
                edition=digest.edition,
                edition_on=digest.edition_on,
                status=DigestSend.Status.CLAIMED,
                message_id=new_message_id(),
                paper_ids=digest.paper_ids,
                claimed_at=timezone.now(),
            )
    except IntegrityError:
        return None


def _resolve_pending(run: _Run, *, to: str | None, stop: Callable[[], bool]) -> None:
    """Finish sends an earlier run left claimed (past the lease) or failed (tries left)."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.DIGEST_CLAIM_LEASE_SECONDS)
    qs = DigestSend.objects.filter(
        Q(status=DigestSend.Status.CLAIMED, claimed_at__lte=cutoff)
        | Q(status=DigestSend.Status.FAILED, attempts__lt=settings.DIGEST_MAX_ATTEMPTS)
    ).select_related("subscription", "subscriber")
    if to:
        qs = qs.filter(subscriber__email=to.lower())
    pending = list(qs.order_by("id"))
    if not pending:
        return
    accepted = journal_mod.accepted_message_ids()
    for send in pending:
        if stop() or run.result.aborted:
            return
        subscriber = send.subscriber
        if send.status == DigestSend.Status.CLAIMED and send.message_id in accepted:
            _mark_sent(send, 0, subscriber)  # the server took it before the crash: do not resend
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
        message = build_digest_message(digest, run.composer, send.message_id)
        if run.deliver(send, subscriber, message) is Outcome.SENT:
            run.result.resent += 1


def _due_streams(
    now: dt.datetime, edition_on: dt.date | None, to: str | None
) -> Iterator[list[tuple[Subscription, dt.date, str]]]:
    """Chunks of (stream, edition day, edition) due at ``now`` (or on ``edition_on``), unclaimed."""
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
            if day is None:
                continue
            edition = edition_key(sub.kind, day)
            if edition is not None:
                due.append((sub, day, edition))
        if due:
            taken = set(
                DigestSend.objects.filter(
                    subscription_id__in=[s.pk for s, _, _ in due], edition__in={e for _, _, e in due}
                ).values_list("subscription_id", "edition")
            )
            yield [(s, d, e) for s, d, e in due if (s.pk, e) not in taken]


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
    result = RunResult()
    composer = Composer()

    def budget_left() -> bool:
        done = result.would_send if dry_run else result.sent + result.resent
        return limit is None or done < limit

    with Mailer() as mailer, journal_mod.Journal() as journal:
        run = _Run(mailer, journal, result, composer)
        if not dry_run:
            _resolve_pending(run, to=to, stop=stop)
        for chunk in _due_streams(now, edition_on, to):
            composer.prefetch_excluded(s.pk for s, _, _ in chunk)
            for sub, day, _edition in chunk:
                if stop() or result.aborted or not budget_left():
                    return result
                if sub.subscriber_id in run.paused:
                    continue
                digest = compose_digest(sub, edition_on=day, composer=composer)
                if digest is None:
                    continue
                if dry_run:
                    result.would_send += 1
                    line = (
                        f"would send {digest.edition} to {sub.subscriber.email}: {sub.label}, "
                        + ", ".join(p.arxiv_id for p in digest.papers)
                    )
                    result.lines.append(line)
                    if out:
                        out(line)
                    continue
                send = _claim(digest)
                if send is None:
                    continue
                message = build_digest_message(digest, composer, send.message_id)
                if run.deliver(send, sub.subscriber, message) is Outcome.SENT:
                    result.sent += 1
    if not dry_run:
        journal_mod.prune()
    return result
