"""Test-only routes whose views lose the database connection."""

from __future__ import annotations

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path


def refused(request: HttpRequest) -> HttpResponse:
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def closed(request: HttpRequest) -> HttpResponse:
    raise InterfaceError("connection already closed")


def bug(request: HttpRequest) -> HttpResponse:
    raise ZeroDivisionError("a plain bug")


urlpatterns = [path("refused", refused), path("closed", closed), path("bug", bug)]
handler500 = "paperboy.ops.middleware.server_error"
