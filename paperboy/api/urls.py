from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path

from paperboy.api.api import api


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other ``/api/…`` path: a JSON 404 (not the HTML page)."""
    return JsonResponse({"error": f"no API endpoint at {request.path}; see /api/docs"}, status=404)


urlpatterns = [path("", api.urls), re_path(r"^(?P<rest>.*)$", not_found)]
