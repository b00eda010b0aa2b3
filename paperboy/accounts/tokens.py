"""Signed, expiring tokens for e-mail confirmation links (Django's password-reset token machinery)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Token for "confirm your e-mail address" links.

    It has its own salt (a password-reset token does not confirm an address, nor the reverse) and it
    stops working once the address is confirmed, the password changes (a new sign-up for the same
    unconfirmed address) or the address changes. Lifetime: settings.PASSWORD_RESET_TIMEOUT seconds.
    """

    key_salt = "paperboy.accounts.tokens.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        confirmed = getattr(getattr(user, "profile", None), "email_confirmed_at", None)
        stamp = "" if confirmed is None else confirmed.replace(microsecond=0, tzinfo=None).isoformat()
        return f"{user.pk}{user.password}{user.email}{user.is_active}{stamp}{timestamp}"


email_confirmation_token = EmailConfirmationTokenGenerator()
