"""The API token page (/settings/tokens): list, create (secret shown once) and revoke.

Creating redirects back (post/redirect/get): the new secret rides in the session for exactly one GET,
so a reload neither creates another token nor shows the secret again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from paperboy.api import tokens as token_service
from paperboy.api.models import ApiToken

_NEW_SECRET_KEY = "api_new_token_secret"


class TokenNameForm(forms.Form):
    name = forms.CharField(max_length=ApiToken._meta.get_field("name").max_length, strip=True)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """GET lists the user's tokens; POST ``action=create`` (with ``name``) or ``action=revoke`` (``token_id``)."""
    form = TokenNameForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            form = TokenNameForm(request.POST)
            if form.is_valid():
                created = token_service.create_token(request.user, form.cleaned_data["name"])
                request.session[_NEW_SECRET_KEY] = created.secret
                return redirect("api_site:tokens")
            status = 400
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
    new_secret = request.session.pop(_NEW_SECRET_KEY, None) if request.method == "GET" else None
    owner: Any = request.user  # login_required: a signed-in user
    user_tokens = ApiToken.objects.filter(user=owner)
    context = {"tokens": user_tokens, "new_secret": new_secret, "form": form}
    response = render(request, "api/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response
