"""Rate limits per user and per IP for the community endpoints (django-ratelimit).

Each action has one rate in ``settings.RATE_LIMITS`` (e.g. ``"10/m"``), applied twice: to the user
key (the signed-in user; before log-in the username/e-mail typed in the form, else the IP) and to the
client IP (:func:`client_ip`). Over the limit, django-ratelimit raises ``Ratelimited``
and ``RatelimitMiddleware`` answers with :func:`paperboy.accounts.views.ratelimited` (HTTP 429).
Only POST requests count: showing a form is never limited.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

F = TypeVar("F", bound=Callable[..., Any])


def client_ip(request: HttpRequest) -> str:
    """The client address of per-IP limits (django-ratelimit's ``RATELIMIT_IP_META_KEY`` points here).

    ``settings.CLIENT_IP_META_KEY`` (``PAPERBOY_RATELIMIT_IP_META_KEY``) names the request header the
    proxy sets to the visitor's address, e.g. ``HTTP_X_REAL_IP`` (nginx: ``proxy_set_header X-Real-IP
    $remote_addr``, which replaces any such header a visitor sends). A request without that header did not
    come through the proxy (gunicorn listens on loopback: a local probe or script), so its own
    ``REMOTE_ADDR`` is the client, instead of django-ratelimit's ImproperlyConfigured (a 500 page).
    """
    return request.META.get(settings.CLIENT_IP_META_KEY) or request.META.get("REMOTE_ADDR") or "unknown"


def _rate_for(action: str) -> Callable[[str, HttpRequest], str]:
    def rate(group: str, request: HttpRequest) -> str:
        return settings.RATE_LIMITS[action]

    return rate


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*$")
#: The request attribute naming the action whose limit was hit (read by the 429 view).
ACTION_ATTR = "paperboy_ratelimit_action"


def period_seconds(rate: str) -> int:
    """The window of a django-ratelimit rate in seconds: ``"20/h"`` -> 3600, ``"10/5m"`` -> 300.

    Raises ValueError for a malformed rate.
    """
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"not a rate: {rate!r}")
    return int(match.group(2) or 1) * _UNIT_SECONDS[match.group(3)]


def wait_text(seconds: int) -> str:
    """Plain words for a wait of ``seconds``: "a minute", "an hour", "15 minutes", "a day"."""
    for unit, size, one in (("day", 86400, "a day"), ("hour", 3600, "an hour"), ("minute", 60, "a minute")):
        if seconds >= size:
            count = round(seconds / size)
            return one if count == 1 else f"{count} {unit}s"
    return "a few seconds" if seconds > 1 else "a second"


def retry_after(action: str | None) -> int:
    """Seconds to ask a client to wait after hitting ``action``'s limit: the limit's window (an
    upper bound: django-ratelimit counts in fixed windows). 60 when the action is unknown."""
    try:
        return period_seconds(settings.RATE_LIMITS[action]) if action else 60
    except (KeyError, ValueError):
        return 60


def over_limit(request: HttpRequest, action: str, *, user_key: str = "user_or_ip") -> bool:
    """Count one POST against ``action``'s limits (user key and IP); True when either is exceeded.

    For views that only count requests that passed validation (e.g. submissions); marks the request
    so the 429 answer names the right wait.
    """
    rate = settings.RATE_LIMITS[action]
    limited = False
    for group, key in ((f"paperboy.{action}.user", user_key), (f"paperboy.{action}.ip", "ip")):
        limited |= is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)
    if limited:
        setattr(request, ACTION_ATTR, action)
    return limited


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

        @functools.wraps(view)
        def named(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            setattr(request, ACTION_ATTR, action)  # so the 429 answer knows which window to name
            return view(request, *args, **kwargs)

        return named  # type: ignore[return-value]

    return decorator
