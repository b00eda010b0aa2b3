"""Signed links of the digests: confirmation (expires), manage and unsubscribe (revocable).

- Confirmation: ``TimestampSigner`` over the whole request (address, streams, zone, hour), so
  nothing is stored before the owner clicks; it expires after DIGEST_CONFIRM_MAX_AGE_DAYS.
- Manage / unsubscribe: ``<subscriber id>.<subscription id or 0>:<signature>``, signed with a salt
  that includes the subscriber's ``secret``; they do not expire (old e-mails must keep working) and
  rotating the secret revokes them all.

Source: https://docs.djangoproject.com/en/5.2/topics/signing/
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing

from paperboy.digests.models import Subscriber

_CONFIRM_SALT = "paperboy.digests.confirm"


def make_confirm_token(payload: dict[str, Any]) -> str:
    """A signed, timestamped, URL-safe token carrying ``payload`` (a JSON-able dict)."""
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign_object(payload, compress=True)


def read_confirm_token(token: str) -> dict[str, Any]:
    """The payload of a confirmation token.

    Raises:
        signing.SignatureExpired: older than DIGEST_CONFIRM_MAX_AGE_DAYS.
        signing.BadSignature: tampered or malformed.
    """
    max_age = dt.timedelta(days=settings.DIGEST_CONFIRM_MAX_AGE_DAYS)
    payload = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign_object(token, max_age=max_age)
    if not isinstance(payload, dict):
        raise signing.BadSignature("payload is not an object")
    return payload


def _signer(purpose: str, subscriber: Subscriber) -> signing.Signer:
    return signing.Signer(salt=f"paperboy.digests.{purpose}.{subscriber.secret}")


def make_link_token(purpose: str, subscriber: Subscriber, subscription_id: int | None = None) -> str:
    """A non-expiring signed token for ``purpose`` ("manage" or "unsubscribe")."""
    return _signer(purpose, subscriber).sign(f"{subscriber.pk}.{subscription_id or 0}")


def read_link_token(purpose: str, token: str) -> tuple[Subscriber, int | None]:
    """``(subscriber, subscription id or None)`` of a manage/unsubscribe token.

    Raises:
        signing.BadSignature: malformed, tampered, revoked, or the subscriber is gone.
    """
    value, _, _ = token.partition(":")
    sub_id, _, stream_id = value.partition(".")
    if not (sub_id.isdigit() and stream_id.isdigit()):
        raise signing.BadSignature("malformed token")
    subscriber = Subscriber.objects.filter(pk=int(sub_id)).first()
    if subscriber is None:
        raise signing.BadSignature("unknown subscriber")
    _signer(purpose, subscriber).unsign(token)
    return subscriber, (int(stream_id) or None)
