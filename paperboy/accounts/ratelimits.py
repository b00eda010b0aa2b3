"""Rate limits per user and per IP for the community endpoints (django-ratelimit).

Each action has one rate in ``settings.RATE_LIMITS`` (e.g. ``"10/m"``), applied twice: to the user
key (the signed-in user; before log-in the username/e-mail typed in the form, else the IP) and to the
client IP (``settings.RATELIMIT_IP_META_KEY``). Over the limit, django-ratelimit raises ``Ratelimited``
and ``RatelimitMiddleware`` answers with :func:`paperboy.accounts.views.ratelimited` (HTTP 429).
Only POST requests count: showing a form is never limited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.decorators import ratelimit

F = TypeVar("F", bound=Callable[..., Any])


def _rate_for(action: str) -> Callable[[str, HttpRequest], str]:
    def rate(group: str, request: HttpRequest) -> str:
        return settings.RATE_LIMITS[action]

    return rate


def limit(action: str, *, user_key: str = "user_or_ip") -> Callable[[F], F]:
    """Decorate a view: POSTs over ``settings.RATE_LIMITS[action]`` per user key or per IP get a 429.

    Args:
        action: key of settings.RATE_LIMITS (signup, login, password_reset, vote, comment, …).
        user_key: django-ratelimit key for the "user" counter, e.g. ``"post:email"`` before log-in.
    """

    def decorator(view: F) -> F:
        rate = _rate_for(action)
        view = ratelimit(group=f"paperboy.{action}.user", key=user_key, rate=rate, method="POST")(view)
        view = ratelimit(group=f"paperboy.{action}.ip", key="ip", rate=rate, method="POST")(view)
        return view

    return decorator
