"""Community fragments for paper pages and cards.

- ``{% upvote_button paper %}``: the upvote form (works without JavaScript); add
  ``{% include "accounts/_upvote_script.html" %}`` once per page for in-place updates.
- ``{% claim_panel paper %}``: approved author claims, and the claim form for signed-in users.
"""

from __future__ import annotations

from django import template

from paperboy.accounts.models import AuthorClaim
from paperboy.papers.models import Upvote

register = template.Library()


def _common(context: template.Context, paper: object) -> dict[str, object]:
    request = context.get("request")
    return {
        "paper": paper,
        "user": getattr(request, "user", None),
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("accounts/_upvote.html", takes_context=True)
def upvote_button(context: template.Context, paper: object, voted: bool | None = None) -> dict[str, object]:
    """``voted`` may be passed by list pages that looked votes up in one query; else one query here."""
    data = _common(context, paper)
    user = data["user"]
    if voted is None:
        voted = bool(
            user is not None
            and user.is_authenticated  # type: ignore[attr-defined]
            and Upvote.objects.filter(user=user, paper=paper).exists()
        )
    data["voted"] = voted
    return data


@register.inclusion_tag("claims/_claim.html", takes_context=True)
def claim_panel(context: template.Context, paper: object) -> dict[str, object]:
    data = _common(context, paper)
    user = data["user"]
    claims = AuthorClaim.objects.filter(paper=paper).select_related("user")
    data["approved"] = [c for c in claims if c.status == AuthorClaim.Status.APPROVED]
    data["own_claim"] = next(
        (c for c in claims if user is not None and c.user_id == user.pk and c.status != "rejected"), None
    )
    data["authors"] = list(enumerate(paper.authors))  # type: ignore[attr-defined]
    return data
