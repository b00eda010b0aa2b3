"""Create, check and revoke personal API tokens (see :class:`paperboy.api.models.ApiToken`)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from paperboy.api.models import ApiToken

#: An instance of settings.AUTH_USER_MODEL (Any: the model is swappable).
UserLike = Any

#: Every token starts with this, so leaked tokens are easy to recognise (e.g. by secret scanners).
TOKEN_PREFIX = "pb_"
_PREFIX_LENGTH = 10
#: ``last_used_at`` is written at most this often per token (saves a write on every request).
_LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A freshly created token: ``secret`` is the only copy of the clear token, shown to the user once."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """Hex SHA-256 of a clear token (tokens are 256-bit random, so a plain hash is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: UserLike, name: str) -> NewToken:
    """Create a token for ``user``; the clear secret is returned once and never stored.

    Raises django.core.exceptions.ValidationError when ``name`` is longer than 100 characters.
    """
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=(name or "API token").strip(),
        prefix=secret[:_PREFIX_LENGTH],
        hashed_key=hash_token(secret),
    )
    token.full_clean(exclude=["hashed_key"])  # ValidationError for a name over 100 characters
    token.save()
    return NewToken(token=token, secret=secret)


def revoke_token(user: UserLike, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False when it does not exist, is someone else's or is revoked."""
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return updated == 1


def user_for_token(secret: str) -> UserLike | None:
    """The active user owning this clear token, or None (unknown, revoked, or inactive user)."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(hashed_key=hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
