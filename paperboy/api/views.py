"""The API token page (/settings/tokens): list, create (secret shown once) and revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from paperboy.api import tokens as token_service
from paperboy.api.models import ApiToken


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """GET lists the user's tokens; POST ``action=create`` (with ``name``) or ``action=revoke`` (``token_id``)."""
    new_secret = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            created = token_service.create_token(request.user, request.POST.get("name", ""))
            new_secret = created.secret
        elif action == "revoke":
            try:
                token_id = int(request.POST.get("token_id", ""))
            except ValueError:
                token_id = 0
            if token_service.revoke_token(request.user, token_id):
                messages.success(request, "Token revoked.")
            else:
                messages.error(request, "No such active token.")
            return redirect("api_site:tokens")
        else:
            return HttpResponse("unknown action", status=400, content_type="text/plain")
    owner: Any = request.user  # login_required: a signed-in user
    user_tokens = ApiToken.objects.filter(user=owner)
    response = render(request, "api/tokens.html", {"tokens": user_tokens, "new_secret": new_secret})
    response["Cache-Control"] = "no-store"
    return response
