"""Digest subscribers, their subscriptions (streams) and the send ledger.

- :class:`Subscriber` is one e-mail address (with or without an account). Nothing is sent to it
  before ``confirmed_at`` is set by the double opt-in link.
- :class:`Subscription` is one stream: the daily or weekly digest, a saved-search alert, an author
  follow or a category follow.
- :class:`DigestSend` is the ledger row that makes sending exactly-once: it is inserted (claimed)
  before the SMTP transaction, UNIQUE(subscription, edition); see ``services.py`` for the protocol.
- :class:`SentPaper` remembers every paper a stream has carried, so no paper is sent twice in it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models

from paperboy.digests import schedule


def validate_timezone(value: str) -> None:
    """Accept IANA zone names only (``Europe/Berlin``), as zoneinfo knows them."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not an IANA time zone name") from None


def new_secret() -> str:
    return secrets.token_urlsafe(16)


class SubscriberQuerySet(models.QuerySet["Subscriber"]):
    def sendable(self) -> SubscriberQuerySet:
        """Confirmed, not unsubscribed, not paused."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True, paused_at__isnull=True)


class Subscriber(models.Model):
    """One e-mail address that may receive digests.

    ``secret`` is mixed into the salt of every signed manage/unsubscribe link: rotating it revokes
    all links sent so far. ``bounce_count`` counts consecutive permanent rejections; at
    ``settings.DIGEST_MAX_BOUNCES`` the address is paused (``paused_at``).
    """

    email = models.EmailField(max_length=254, unique=True, help_text="Stored lower-cased")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="subscribers"
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    send_hour = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(23)], help_text="Local hour (0-23) in `timezone`"
    )
    secret = models.CharField(max_length=32, default=new_secret, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True, help_text="Set after repeated bounces")
    bounce_count = models.PositiveIntegerField(default=0)
    last_bounce = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(send_hour__lte=23), name="subscriber_send_hour_0_23"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_sendable(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None and self.paused_at is None

    def next_send_at(self, now: dt.datetime) -> dt.datetime:
        """The next UTC instant >= ``now`` at which this subscriber's digests go out."""
        return schedule.next_send_at(self.timezone, self.send_hour, now)

    def is_due(self, now: dt.datetime) -> bool:
        """Whether today's (local) send hour has been reached at ``now``."""
        return schedule.is_due(self.timezone, self.send_hour, now)


class Subscription(models.Model):
    """One stream of a subscriber.

    ``params`` by kind: daily/weekly ``{}``; search ``{"query": str, "category": str}`` (category
    optional); author ``{"author": str}``; category ``{"category": str}``. ``key`` is the normalised
    form of ``params`` so a subscriber has each stream once. ``last_edition_on`` is the cursor of
    alerts: the edition day last sent (papers announced after it are "new").
    """

    class Kind(models.TextChoices):
        DAILY = "daily", "Daily digest"
        WEEKLY = "weekly", "Weekly digest"
        SEARCH = "search", "Saved-search alert"
        AUTHOR = "author", "Author follow"
        CATEGORY = "category", "Category follow"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=255, blank=True, help_text="Normalised params")
    active = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_edition_on = models.DateField(null=True, blank=True, help_text="Edition day of the last send")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "kind", "key"], name="one_stream_per_subscriber"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} {self.label}"

    @property
    def label(self) -> str:
        """Human name of the stream, e.g. ``Author: Yann LeCun``."""
        if self.kind == self.Kind.SEARCH:
            label = f"Search: {self.params.get('query', '')}"
            if self.params.get("category"):
                label += f" in {self.params['category']}"
            return label
        if self.kind == self.Kind.AUTHOR:
            return f"Author: {self.params.get('author', '')}"
        if self.kind == self.Kind.CATEGORY:
            return f"Category: {self.params.get('category', '')}"
        return str(self.get_kind_display())


class DigestSend(models.Model):
    """One e-mail of one stream for one edition; the row is the claim (UNIQUE(subscription, edition)).

    ``edition`` is e.g. ``daily:2026-02-27`` or ``weekly:2026-W09``. ``message_id`` is chosen when the
    row is claimed and never changes, so a resend after an uncertain crash carries the same
    Message-ID. ``paper_ids`` is the composed content, so a resend carries the same papers.
    """

    class Status(models.TextChoices):
        CLAIMED = "claimed", "Claimed (send in flight or interrupted)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (transient; retried by a later run)"
        BOUNCED = "bounced", "Bounced (permanent rejection)"
        CANCELLED = "cancelled", "Cancelled (unsubscribed or paused before it went out)"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="sends")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="sends")
    edition = models.CharField(max_length=32)
    edition_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CLAIMED)
    message_id = models.CharField(max_length=255, unique=True)
    paper_ids = models.JSONField(default=list)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "edition"], name="one_send_per_stream_and_edition"
            ),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="digestsend_status_idx")]

    def __str__(self) -> str:
        return f"{self.edition} → {self.subscriber_id} ({self.status})"


class SentPaper(models.Model):
    """A paper a stream has carried; UNIQUE(subscription, paper) keeps it from being sent again."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="sent_papers")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    send = models.ForeignKey(DigestSend, on_delete=models.CASCADE, related_name="sent_papers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "paper"], name="paper_once_per_stream")
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.paper_id}"
