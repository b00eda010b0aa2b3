"""Log in with an e-mail address or a username."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest


class EmailOrUsernameBackend(ModelBackend):
    """Django's ModelBackend, but ``username`` may also be the account's e-mail address (any case).

    Inactive users (e-mail not yet confirmed, or suspended) cannot log in, as with ModelBackend; the
    log-in form then shows its generic "wrong credentials" message, which reveals nothing.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        username = username.strip()
        if "@" in username:
            user = User.objects.filter(email__iexact=username).order_by("pk").first()
        else:
            user = User.objects.filter(username=username).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing difference
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
