"""Subscribe (double opt-in), confirm, manage and unsubscribe: the workflows behind the pages.

Nothing is stored for an address before its owner clicks the confirmation link: the request
travels inside the signed, expiring token (tokens.py). The same e-mail goes out whether or not the
address is already subscribed, so the form reveals nothing about who subscribes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from paperboy.digests.compose import stream_key
from paperboy.digests.models import DigestSend, Subscriber, Subscription
from paperboy.digests.tokens import make_confirm_token
from paperboy.lib.emails import Mailer, Outcome, make_message

log = logging.getLogger(__name__)


def stream_label(kind: str, params: dict[str, Any]) -> str:
    return Subscription(kind=kind, params=params).label


def request_subscription(
    *, email: str, streams: list[tuple[str, dict[str, str]]], tz: str, send_hour: int, user_id: int | None
) -> bool:
    """E-mail a confirmation link for this request. Returns whether the e-mail went out
    (failures are logged; the caller shows the same page either way)."""
    address = email.strip().lower()
    payload: dict[str, Any] = {
        "email": address,
        "streams": [[kind, params] for kind, params in streams],
        "tz": tz,
        "hour": send_hour,
        "user": user_id,
    }
    token = make_confirm_token(payload)
    ctx = {
        "site_name": settings.SITE_NAME,
        "email": address,
        "labels": [stream_label(kind, params) for kind, params in streams],
        "confirm_url": settings.SITE_URL + reverse("digests:confirm", kwargs={"token": token}),
        "max_age_days": settings.DIGEST_CONFIRM_MAX_AGE_DAYS,
    }
    message = make_message("digests/email/confirm", address, ctx)
    with Mailer(retries=1, backoff_seconds=0.5) as mailer:
        result = mailer.send(message)
    if result.outcome is not Outcome.SENT:
        log.warning("confirmation e-mail not sent: %s", result.error)
    return result.outcome is Outcome.SENT


@dataclass(frozen=True)
class Confirmed:
    subscriber: Subscriber
    created_streams: int


def confirm_subscription(payload: dict[str, Any]) -> Confirmed:
    """Create or update the subscriber and streams of a confirmed request (idempotent).

    Confirming also lifts an earlier unsubscribe or bounce pause: the owner just proved the
    address works and asked again.
    """
    now = timezone.now()
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(email=payload["email"])
        subscriber.timezone = payload.get("tz") or "UTC"
        subscriber.send_hour = int(payload.get("hour", 8))
        if subscriber.confirmed_at is None or subscriber.unsubscribed_at is not None:
            subscriber.confirmed_at = now
        subscriber.unsubscribed_at = None
        subscriber.paused_at = None
        subscriber.bounce_count = 0
        if payload.get("user") and subscriber.user_id is None:
            subscriber.user_id = payload["user"]
        subscriber.full_clean(exclude=["email", "user"])
        subscriber.save()
        created = 0
        for kind, params in payload.get("streams", []):
            sub, was_created = Subscription.objects.get_or_create(
                subscriber=subscriber, kind=kind, key=stream_key(kind, params), defaults={"params": params}
            )
            if not was_created and not sub.active:
                sub.active = True
                sub.save(update_fields=["active"])
            created += was_created
    return Confirmed(subscriber, created)


def unsubscribe(subscriber: Subscriber, *, subscription_id: int | None = None) -> None:
    """Stop one stream (``subscription_id``) or every e-mail to the address (None). Immediate:
    pending sends are cancelled and the next claim re-checks (services._claim)."""
    now = timezone.now()
    with transaction.atomic():
        if subscription_id is None:
            Subscriber.objects.filter(pk=subscriber.pk).update(unsubscribed_at=now)
            pending = DigestSend.objects.filter(subscriber=subscriber)
        else:
            Subscription.objects.filter(pk=subscription_id, subscriber=subscriber).update(active=False)
            pending = DigestSend.objects.filter(subscriber=subscriber, subscription_id=subscription_id)
        pending.filter(status=DigestSend.Status.FAILED).update(status=DigestSend.Status.CANCELLED)
    log.info("unsubscribed subscriber %s (stream %s)", subscriber.pk, subscription_id or "all")
