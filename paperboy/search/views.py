from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def search(request: HttpRequest) -> HttpResponse:
    return HttpResponse("search is being built", content_type="text/plain")
