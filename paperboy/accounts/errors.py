"""Friendly error pages for the community actions: 405 (a GET on a POST-only URL) and 403 (CSRF failure)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch


class FriendlyMethodNotAllowedMiddleware:
    """Render templates/405.html for the empty 405 answers of ``require_POST`` and class-based views.

    Keeps the status (405) and the ``Allow`` header; leaves non-empty answers alone. Under ``/api/`` the
    answer is JSON instead (``{"detail": "..."}``, the API's error shape) unless it already is JSON.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405:
            return response
        if request.path.startswith("/api/"):
            return self._json_405(request, response)
        if getattr(response, "streaming", False) or response.content:
            return response
        allowed = response.get("Allow", "")
        page = render(request, "405.html", {"allowed": allowed, "request_path": request.path}, status=405)
        if allowed:
            page["Allow"] = allowed
        return page

    @staticmethod
    def _json_405(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        detail = f"Method {request.method} is not allowed on {request.path}"
        if allowed:
            detail += f"; use {allowed}"
        answer = JsonResponse({"detail": detail}, status=405)
        if allowed:
            answer["Allow"] = allowed
        return answer


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``settings.CSRF_FAILURE_VIEW``: a 403 page explaining the expired or missing form token
    (rendered with the request, so the site header is complete; plain text if the page cannot render,
    e.g. under a test URLconf without the site's routes)."""
    try:
        return render(request, "403_csrf.html", {"reason": reason}, status=403)
    except NoReverseMatch:
        return HttpResponseForbidden(f"CSRF check failed: {reason}", content_type="text/plain")
