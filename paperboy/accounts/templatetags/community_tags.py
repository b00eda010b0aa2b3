"""Community fragments for paper pages and cards.

- ``{% upvote_button paper %}``: the upvote form (works without JavaScript); add
  ``{% include "accounts/_upvote_script.html" %}`` once per page for in-place updates. On list pages:
  ``{% upvoted_ids papers as voted_ids %}`` once, then ``{% upvote_button paper voted_ids=voted_ids %}``
  (or the compact ``{% card_upvote_button paper voted_ids %}`` inside a card).
- ``{% claim_panel paper %}``: approved author claims, and the claim form for signed-in users.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.contrib.auth.models import User

from paperboy.accounts.models import AuthorClaim
from paperboy.papers.models import Paper, Upvote

register = template.Library()


def _common(context: template.Context, paper: Paper) -> dict[str, object]:
    request = context.get("request")
    return {
        "paper": paper,
        "user": getattr(request, "user", None),
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }


def _user(context: template.Context) -> User | None:
    """The signed-in user of the request in ``context``, or None."""
    user = getattr(context.get("request"), "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


@register.simple_tag(takes_context=True)
def upvoted_ids(context: template.Context, papers: Iterable[Paper]) -> set[int]:
    """``{% upvoted_ids papers as voted_ids %}``: pks of the listed papers the user upvoted (one query)."""
    user = _user(context)
    if user is None:
        return set()
    pks = [p.pk for p in papers]
    return set(Upvote.objects.filter(user=user, paper_id__in=pks).values_list("paper_id", flat=True))


@register.inclusion_tag("accounts/_upvote.html", takes_context=True)
def upvote_button(
    context: template.Context, paper: Paper, voted: bool | None = None, voted_ids: set[int] | None = None
) -> dict[str, object]:
    """The upvote form of ``paper``.

    On list pages pass ``voted_ids`` from :func:`upvoted_ids` (no query per card); otherwise the tag
    looks the vote up itself (one query).
    """
    data = _common(context, paper)
    user = _user(context)
    if voted is None:
        if voted_ids is not None:
            voted = paper.pk in voted_ids
        else:
            voted = user is not None and Upvote.objects.filter(user=user, paper=paper).exists()
    data["voted"] = voted
    return data


@register.inclusion_tag("accounts/_card_upvote.html", takes_context=True)
def card_upvote_button(context: template.Context, paper: Paper, voted_ids: set[int]) -> dict[str, object]:
    """The compact upvote form of a list card; ``voted_ids`` from :func:`upvoted_ids` (no query per card)."""
    data = _common(context, paper)
    data["voted"] = paper.pk in voted_ids
    return data


@register.inclusion_tag("claims/_claim.html", takes_context=True)
def claim_panel(context: template.Context, paper: Paper) -> dict[str, object]:
    data = _common(context, paper)
    user = _user(context)
    claims = AuthorClaim.objects.filter(paper=paper).select_related("user")
    data["approved"] = [c for c in claims if c.status == AuthorClaim.Status.APPROVED]
    data["own_claim"] = next(
        (c for c in claims if user is not None and c.user_id == user.pk and c.status != "rejected"), None
    )
    data["authors"] = list(enumerate(paper.authors))
    return data
