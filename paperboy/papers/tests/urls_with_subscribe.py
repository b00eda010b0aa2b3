"""URLconf for tests: the real routes plus a stand-in ``digests:subscribe`` page (built by another app)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import include, path

from paperboy.urls import urlpatterns as site_patterns

urlpatterns = [
    path(
        "subscribe",
        include(([path("", lambda request: HttpResponse("subscribe"), name="subscribe")], "digests")),
    ),
    *site_patterns,
]
