"""A lost database connection answers a 503 page instead of a 500.

The page is rendered without a request context, so neither the template nor a context processor
touches the database. Django closes the broken connection at the end of the request, and with
``CONN_HEALTH_CHECKS`` the next request opens a fresh one: the site recovers by itself once the
database is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait before retrying (``Retry-After``).
RETRY_AFTER_SECONDS = 30

DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_response() -> HttpResponse:
    """The 503 page (templates/503.html) with ``Retry-After`` and no caching."""
    body = render_to_string("503.html", {"site_name": settings.SITE_NAME, "retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def is_database_error(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what caused it) is a lost or refused database connection."""
    while exc is not None:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class DatabaseUnavailableMiddleware:
    """Turn ``OperationalError``/``InterfaceError`` raised by a view (or its template) into a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_error(exception):
            return None
        log.error("database unavailable during %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response()


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database error raised outside a view (e.g. in a middleware) is a 503 too."""
    import sys

    if is_database_error(sys.exc_info()[1]):
        return database_unavailable_response()
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)
